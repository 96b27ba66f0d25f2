import Foundation
import RealData
import XCTest

/// End to end: the built `hm2bp` binary, real MNIST (RealData) as the mirror, a temporary data directory.
final class DataCommandTests: XCTestCase {
    private let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()


    private func hm2bp(_ arguments: [String], environment: [String: String]) throws -> (status: Int32, output: String) {
        let candidates = [Bundle.main.bundleURL.appendingPathComponent("hm2bp"),
                          packageRoot.appendingPathComponent(".build/debug/hm2bp")]
        guard let binary = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0.path) }) else {
            throw XCTSkip("hm2bp binary not built")
        }
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, output)
    }

    private func temporaryDirectory() throws -> String {
        let path = NSTemporaryDirectory() + "hm2bp-data-cli-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
        return path
    }

    func testFetchMNISTFindsAndVerifiesTheMirror() throws {
        let dataDir = try temporaryDirectory()
        let (status, output) = try hm2bp(["data", "fetch", "mnist"],
                                         environment: ["HM2BP_DATA_MIRROR": try RealData.mnistRoot, "HM2BP_DATA_DIR": dataDir])
        XCTAssertEqual(status, 0, output)
        XCTAssertTrue(output.contains("data directory: \(dataDir)"), output)
        XCTAssertTrue(output.contains("mnist: 4 files present and verified"), output)
        for name in ["train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"] {
            XCTAssertTrue(output.contains("found \(try RealData.mnistFile(name)) (MD5 verified)"), output)
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dataDir), [])
    }

    func testCorruptMirrorFileFallsBackToTheDataDirectory() throws {
        // Mirror: intact except for test labels cut short. Data directory: a good copy of those labels.
        let brokenMirror = try temporaryDirectory()
        let dataDir = try temporaryDirectory()
        let manager = FileManager.default
        try manager.createDirectory(atPath: brokenMirror + "/mnist", withIntermediateDirectories: true)
        try manager.createDirectory(atPath: dataDir + "/mnist", withIntermediateDirectories: true)
        for name in ["train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte"] {
            let real = try RealData.mnistFile(name)
            try manager.createSymbolicLink(atPath: brokenMirror + "/mnist/" + (real as NSString).lastPathComponent, withDestinationPath: real)
        }
        // The test labels as the data directory's good copy, and cut short as the mirror's (gzip'd both).
        let labels = try RealData.gzippedMNISTFile("t10k-labels-idx1-ubyte")
        try labels.prefix(labels.count / 2).write(to: URL(fileURLWithPath: brokenMirror + "/mnist/t10k-labels-idx1-ubyte.gz"))
        try labels.write(to: URL(fileURLWithPath: dataDir + "/mnist/t10k-labels-idx1-ubyte.gz"))

        let (status, output) = try hm2bp(["data", "fetch", "mnist", "--dir", dataDir],
                                         environment: ["HM2BP_DATA_MIRROR": brokenMirror, "HM2BP_DATA_DIR": "/nonexistent/elsewhere"])
        XCTAssertEqual(status, 0, output)
        XCTAssertTrue(output.contains("ignoring \(brokenMirror)/mnist/t10k-labels-idx1-ubyte.gz: corrupt gzip data"), output)
        XCTAssertTrue(output.contains("  \(dataDir)/mnist/t10k-labels-idx1-ubyte.gz"), output)
    }

    func testUnknownDataSetIsRefused() throws {
        let (status, output) = try hm2bp(["data", "fetch", "cifar"], environment: [:])
        XCTAssertNotEqual(status, 0)
        XCTAssertTrue(output.contains("cifar"), output)
        XCTAssertTrue(output.contains("fashion-mnist"), output)
    }

    /// Issue 9 items 20 and 22: --data-dir names the data directory on the command line (the
    /// environment variable stays the default), --json reports what was found where.
    func testDataDirFlagAndJSON() throws {
        let dataDir = try temporaryDirectory()
        let (status, output) = try hm2bp(["data", "fetch", "mnist", "--data-dir", dataDir, "--json"],
                                         environment: ["HM2BP_DATA_MIRROR": try RealData.mnistRoot, "HM2BP_DATA_DIR": "/nonexistent-default"])
        XCTAssertEqual(status, 0, output)
        let json = String(output[output.firstIndex(of: "{")!...])
        let report = try JSONSerialization.jsonObject(with: Data(json.utf8)) as! [String: Any]
        XCTAssertEqual(report["dataDirectory"] as? String, dataDir)
        XCTAssertEqual(report["dataset"] as? String, "mnist")
        XCTAssertEqual((report["files"] as? [String])?.count, 4)
    }

    /// Issue 9 item 18: without network (an index nobody listens on) and without a mirror, the
    /// fetch fails with status 4 and one line naming what could not be downloaded, no traceback.
    func testANetworkFailureIsOneLineAndAnEnvironmentError() throws {
        let dataDir = try temporaryDirectory()
        let (status, output) = try hm2bp(["data", "fetch", "mnist", "--data-dir", dataDir],
                                         environment: ["HM2BP_DATA_MIRROR": "", "PIP_INDEX_URL": "http://127.0.0.1:9/simple", "PIP_CONFIG_FILE": "/dev/null"])
        XCTAssertEqual(status, 4, output)
        XCTAssertTrue(output.contains("hm2bp: error: fetching mnist failed"), output)
        XCTAssertTrue(output.contains("cannot download"), output)
        XCTAssertFalse(output.contains("Traceback"), output)
    }
}
