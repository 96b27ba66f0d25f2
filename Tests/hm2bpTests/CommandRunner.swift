import Foundation
import RealData
import XCTest

/// Runs the built `hm2bp` executable as a user would, for the end-to-end command tests.
struct CommandResult {
    var status: Int32
    var stdout: String
    var stderr: String
}

enum CommandRunner {
    /// The package root (three levels above this file).
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Real MNIST as a data mirror for the commands (RealData: the mirror, or the copy fetched
    /// once into the data directory).
    static var dataMirror: String {
        get throws { try RealData.mnistRoot }
    }

    /// The `hm2bp` binary built next to the test bundle.
    static var executable: URL {
        let bundle = Bundle(for: Marker.self).bundleURL
        let testBinary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        let candidates = [bundle, bundle.deletingLastPathComponent(), testBinary].map { $0.appendingPathComponent("hm2bp") }
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) } ?? candidates[0]
    }

    /// Runs `hm2bp arguments...` with the data mirror; in `directory` (when given) with a private
    /// data folder there.
    static func run(_ arguments: [String], in directory: String? = nil, environment extra: [String: String] = [:]) throws -> CommandResult {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["HM2BP_DATA_MIRROR"] = try dataMirror
        if let directory {
            process.currentDirectoryURL = URL(fileURLWithPath: directory)
            environment["HM2BP_DATA_DIR"] = directory + "/data"
        }
        for (key, value) in extra { environment[key] = value }
        process.environment = environment
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        // Read both pipes to the end before waiting, so a chatty command cannot block on a full pipe.
        let errData = DataBox()
        let errReader = Thread { errData.data = err.fileHandleForReading.readDataToEndOfFile() }
        errReader.start()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        while !errReader.isFinished { usleep(1000) }
        return CommandResult(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                             stderr: String(decoding: errData.data, as: UTF8.self))
    }

    /// A fresh temporary folder, removed when the test ends.
    static func temporaryDirectory(_ test: XCTestCase) throws -> String {
        let path = NSTemporaryDirectory() + "hm2bp-cli-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        test.addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
        return path
    }

    private final class Marker {}
    private final class DataBox: @unchecked Sendable { var data = Data() }
}
