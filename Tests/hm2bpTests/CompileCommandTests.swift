import Foundation
import SpikeModel
import XCTest

/// Fixtures of the compiler-side command tests (the runner itself is `CommandRunner`).
enum CommandFixtures {
    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("hm2bp-compile-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// A model with U[-1,1] weights, VTH 20 hidden / 8 output, lateral inhibition 1 on the output.
    static func writeModel(_ widths: [Int], timeSteps: Int = 400, to path: String) throws {
        var rng = SystemRandomNumberGenerator()
        let layers = (1..<widths.count).map { l in
            DenseLayer(inputCount: widths[l - 1], outputCount: widths[l], threshold: l == widths.count - 1 ? 8 : 20,
                       lateralInhibition: l == widths.count - 1 ? 1 : 0,
                       weights: (0..<(widths[l - 1] * widths[l])).map { _ in Float.random(in: -1...1, using: &rng) })
        }
        let model = Model(network: Network(constants: NeuronConstants(timeSteps: timeSteps), layers: layers),
                          provenance: Provenance(dataset: "mnist", seed: 1))
        try ModelFile.write(model, to: path)
    }
}

final class CompileCommandTests: XCTestCase {
    func testCompilesForABoardAndReportsCoresAndQuantization() throws {
        let dir = try CommandFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let model = dir.appendingPathComponent("m.hm2bp").path, image = dir.appendingPathComponent("m.img").path
        try CommandFixtures.writeModel([784, 800, 10], to: model)
        let run = try CommandRunner.run(["compile", model, "--target", "hm2bp-nano", "-o", image, "--calibration-samples", "0"])
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertTrue(run.stdout.contains("image for target hm2bp-nano"), run.stdout)
        XCTAssertTrue(run.stdout.contains("cores used 8/8"), run.stdout)
        XCTAssertTrue(FileManager.default.fileExists(atPath: image))
        let json = try CommandRunner.run(["compile", model, "--target", "emulator", "-o", image, "--calibration-samples", "0", "--json"])
        XCTAssertEqual(json.status, 0, json.stderr)
        let report = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        XCTAssertEqual(report?["target"] as? String, "emulator")
        XCTAssertEqual((report?["cores"] as? [Any])?.count, 2)
    }

    func testCalibratesOnRealMNIST() throws {
        let mirror = try CommandRunner.dataMirror
        let dir = try CommandFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let model = dir.appendingPathComponent("m.hm2bp").path, image = dir.appendingPathComponent("m.img").path
        try CommandFixtures.writeModel([784, 30, 10], timeSteps: 60, to: model)
        let run = try CommandRunner.run(["compile", model, "--target", "hm2bp-micro", "-o", image, "--calibration-samples", "3", "--json"],
                                      environment: ["HM2BP_DATA_MIRROR": mirror, "HOME": dir.path])
        XCTAssertEqual(run.status, 0, run.stderr)
        let report = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any]
        let layers = report?["quantization"] as? [[String: Any]]
        XCTAssertEqual(layers?.first?["calibrationSamples"] as? Int, 3)
        XCTAssertNotNil(layers?.first?["countError"] as? Double)
    }

    func testAModelThatDoesNotFitWritesNothingAndNamesEveryViolation() throws {
        let dir = try CommandFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let model = dir.appendingPathComponent("big.hm2bp").path, image = dir.appendingPathComponent("big.img").path
        try CommandFixtures.writeModel([784, 1600, 200], to: model)
        let run = try CommandRunner.run(["compile", model, "--target", "hm2bp-nano", "-o", image, "--calibration-samples", "0"])
        XCTAssertNotEqual(run.status, 0)
        XCTAssertFalse(FileManager.default.fileExists(atPath: image), "nothing is written on failure")
        XCTAssertTrue(run.stderr.contains("layer 1: neurons on one core"), run.stderr)
        XCTAssertTrue(run.stderr.contains("model: cores"), run.stderr)
        XCTAssertTrue(run.stderr.contains("use target hm2bp-micro"), run.stderr)
    }

    func testJSONFailureListsDiagnosticsAndABrokenTargetFileNamesItsField() throws {
        let dir = try CommandFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let model = dir.appendingPathComponent("m.hm2bp").path, image = dir.appendingPathComponent("m.img").path
        try CommandFixtures.writeModel([784, 1600, 10], to: model)
        let run = try CommandRunner.run(["compile", model, "--target", "hm2bp-nano", "-o", image, "--calibration-samples", "0", "--json"])
        XCTAssertNotEqual(run.status, 0)
        let report = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: [[String: Any]]]
        let cores = report?["diagnostics"]?.first { ($0["resource"] as? String)?.hasPrefix("cores") == true }
        XCTAssertEqual(cores?["need"] as? Int, 14, run.stdout)
        XCTAssertEqual(cores?["limit"] as? Int, 8)

        let targetPath = dir.appendingPathComponent("board.json").path
        let text = try String(contentsOfFile: URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Targets/hm2bp-nano.json").path, encoding: .utf8)
        try text.replacingOccurrences(of: "\"neurons\": 128,", with: "").write(toFile: targetPath, atomically: true, encoding: .utf8)
        let broken = try CommandRunner.run(["compile", model, "--target", targetPath, "-o", image, "--calibration-samples", "0"])
        XCTAssertNotEqual(broken.status, 0)
        XCTAssertTrue(broken.stderr.contains("board.json: field core.neurons: missing"), broken.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: image))
    }

    func testDamagedModelAndUnknownTargetAreNamed() throws {
        let dir = try CommandFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let model = dir.appendingPathComponent("m.hm2bp").path
        try CommandFixtures.writeModel([20, 5, 2], to: model)
        var bytes = try Data(contentsOf: URL(fileURLWithPath: model))
        bytes[bytes.count - 9] ^= 0xFF
        let damaged = dir.appendingPathComponent("damaged.hm2bp").path
        try bytes.write(to: URL(fileURLWithPath: damaged))
        let bad = try CommandRunner.run(["compile", damaged, "-o", dir.appendingPathComponent("x.img").path, "--calibration-samples", "0"])
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.stderr.contains("damaged.hm2bp"), bad.stderr)
        let unknown = try CommandRunner.run(["compile", model, "--target", "hm2bp-giga", "-o", dir.appendingPathComponent("x.img").path])
        XCTAssertNotEqual(unknown.status, 0)
        XCTAssertTrue(unknown.stderr.contains("unknown target 'hm2bp-giga'"), unknown.stderr)
    }
}
