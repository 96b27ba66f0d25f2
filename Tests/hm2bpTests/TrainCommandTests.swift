import Foundation
import XCTest

final class TrainCommandTests: XCTestCase {
    func testTrainWritesModelCheckpointAndLogThenResumes() throws {
        let dir = try CommandRunner.temporaryDirectory(self)
        let args = ["train", "--arch", "784-40-10", "--train-limit", "300", "--test-limit", "100", "--time-steps", "100", "-o", "m.hm2bp"]
        let first = try CommandRunner.run(args + ["--epochs", "1"], in: dir)
        XCTAssertEqual(first.status, 0, first.stderr)
        XCTAssertTrue(first.stdout.contains("epoch 1/1"), first.stdout)
        for file in ["m.hm2bp", "m.hm2bp.checkpoint", "m.hm2bp.log.jsonl"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: dir + "/" + file), "\(file) missing")
        }
        let resumed = try CommandRunner.run(args + ["--epochs", "2", "--resume"], in: dir)
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        XCTAssertTrue(resumed.stdout.contains("resuming after epoch 1"), resumed.stdout)
        let log = try String(contentsOfFile: dir + "/m.hm2bp.log.jsonl", encoding: .utf8)
        let lines = log.split(separator: "\n")
        XCTAssertEqual(lines.count, 2)
        let record = try JSONSerialization.jsonObject(with: Data(lines[1].utf8)) as? [String: Any]
        XCTAssertEqual(record?["epoch"] as? Int, 1)
        XCTAssertNotNil(record?["testAccuracy"] as? Double)
        // Not a terminal: plain progress lines, no carriage returns.
        XCTAssertFalse(first.stderr.contains("\r"))
    }

    func testBadArchitectureAndSettingFailClearly() throws {
        let dir = try CommandRunner.temporaryDirectory(self)
        let badArch = try CommandRunner.run(["train", "--arch", "784-x-10"], in: dir)
        XCTAssertNotEqual(badArch.status, 0)
        XCTAssertTrue(badArch.stderr.contains("invalid architecture '784-x-10'"), badArch.stderr)
        let wrongInputs = try CommandRunner.run(["train", "--arch", "100-10", "--train-limit", "10", "--test-limit", "10"], in: dir)
        XCTAssertNotEqual(wrongInputs.status, 0)
        XCTAssertTrue(wrongInputs.stderr.contains("784 pixels"), wrongInputs.stderr)
        let badSetting = try CommandRunner.run(["train", "--set", "nonsense=1"], in: dir)
        XCTAssertNotEqual(badSetting.status, 0)
        XCTAssertTrue(badSetting.stderr.contains("unknown hyperparameter 'nonsense'"), badSetting.stderr)
        let noCheckpoint = try CommandRunner.run(["train", "--resume", "--train-limit", "10", "--test-limit", "10", "-o", "none.hm2bp"], in: dir)
        XCTAssertNotEqual(noCheckpoint.status, 0)
        XCTAssertTrue(noCheckpoint.stderr.contains("none.hm2bp.checkpoint"), noCheckpoint.stderr)
    }

    /// SIGINT between samples: exit 130, and the checkpoint on disk is a complete one.
    func testInterruptKeepsTheLastCompleteCheckpoint() throws {
        let dir = try CommandRunner.temporaryDirectory(self)
        let args = ["train", "--arch", "784-40-10", "--train-limit", "200", "--test-limit", "50", "--time-steps", "100", "-o", "m.hm2bp"]
        XCTAssertEqual(try CommandRunner.run(args + ["--epochs", "1"], in: dir).status, 0)
        let process = Process()
        process.executableURL = CommandRunner.executable
        process.arguments = args + ["--epochs", "500", "--resume"]
        process.currentDirectoryURL = URL(fileURLWithPath: dir)
        var environment = ProcessInfo.processInfo.environment
        environment["HM2BP_DATA_MIRROR"] = try CommandRunner.dataMirror
        environment["HM2BP_DATA_DIR"] = dir + "/data"
        process.environment = environment
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        usleep(3_000_000)
        process.interrupt()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 130)
        let resumed = try CommandRunner.run(args + ["--epochs", "1", "--resume"], in: dir)
        XCTAssertEqual(resumed.status, 0, "the checkpoint left behind must load: \(resumed.stderr)")
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.contains(".tmp") }
        XCTAssertEqual(leftovers, [], "no half-written file")
    }
}
