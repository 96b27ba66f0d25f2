import Foundation
import XCTest

final class TrainCommandTests: XCTestCase {
    func testTrainWritesModelCheckpointAndLogThenResumes() throws {
        let dir = try CommandRunner.temporaryDirectory(self)
        let args = ["train", "--arch", "784-40-10", "--train-limit", "300", "--test-limit", "100", "--time-steps", "100", "-o", "m.hm2bp"]
        let first = try CommandRunner.run(args + ["--epochs", "1"], in: dir)
        XCTAssertEqual(first.status, 0, first.stderr)
        XCTAssertTrue(first.stdout.contains("epoch 1/1"), first.stdout)
        XCTAssertTrue(first.stdout.contains("best epoch chosen on 25 validation images held out"), first.stdout)
        XCTAssertTrue(first.stdout.contains("validation "), first.stdout)
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

    private let small = ["train", "--arch", "784-20-10", "--train-limit", "40", "--test-limit", "20", "--time-steps", "40", "-o", "m.hm2bp"]

    /// Issue 9 items 1, 5, 10 and 13: options that crashed, allocated without bound, wrote a
    /// model `eval` refuses or ran on nothing are usage errors (status 2) naming the flag, before
    /// anything is written.
    func testImpossibleOptionsAreRefusedNamingTheFlag() throws {
        let dir = try CommandRunner.temporaryDirectory(self)
        let cases: [([String], String)] = [
            (["--arch", "784-5"], "10 classes"),
            (["--arch", "784-100-5"], "10 classes"),
            (["--arch", "784-100"], "10 classes"),
            (["--arch", "784-100000000-10"], "2^24"),
            (["--arch", "28x28-4C5-P2-10", "--set", "convolutionThresholds=1e30"], "convolutionThresholds"),
            (["--arch", "28x28-4C5-P2-10", "--set", "poolingThresholds=0"], "poolingThresholds"),
            (["--arch", "28x28-4C5-P2-P5-10"], "P5 (layer 3)"),
            (["--time-steps", "100000000"], "--time-steps"),
            (["--time-steps", "1"], "--time-steps"),
            (["--arch", "784-800-10", "--time-steps", "1048576"], "neuron-steps"),
            (["--set", "hiddenThreshold=0"], "hiddenThreshold"),
            (["--set", "outputThreshold=0"], "outputThreshold"),
            (["--set", "lateralInhibition=-1"], "lateralInhibition"),
            (["--set", "learningRate=1e30"], "learningRate"),
            (["--set", "adamBeta2=1"], "adamBeta2"),
            (["--set", "weightLimit=0"], "weightLimit"),
            (["--set", "swapsPerEpoch=1000000000000000"], "swapsPerEpoch"),
            (["--train-limit", "0"], "--train-limit"),
            (["--test-limit", "-1"], "--test-limit must be at least 1 (got -1)"),
            (["--epochs", "0"], "--epochs"),
            (["-o", ""], "-o is empty"),
        ]
        for (extra, expected) in cases {
            let run = try CommandRunner.run(small + extra, in: dir)
            XCTAssertEqual(run.status, 2, "\(extra): \(run.stderr)")
            XCTAssertTrue(run.stderr.contains(expected), "\(extra): \(run.stderr)")
            XCTAssertFalse(run.stderr.contains("Usage:") && !run.stderr.contains("hm2bp: error"), run.stderr)
            XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/m.hm2bp"), "\(extra) wrote a model")
        }
    }

    /// Issue 9 items 2 and 15: a resumed run takes its settings from the checkpoint and refuses
    /// different ones (another T crashed or trained on with the old T); a finished model is not
    /// overwritten without --force.
    func testResumeTakesTheCheckpointsSettingsAndAFinishedModelIsKept() throws {
        let dir = try CommandRunner.temporaryDirectory(self)
        XCTAssertEqual(try CommandRunner.run(small + ["--seed", "7", "--set", "learningRate=0.002"], in: dir).status, 0)
        let trained = try Data(contentsOf: URL(fileURLWithPath: dir + "/m.hm2bp"))

        let again = try CommandRunner.run(small, in: dir)
        XCTAssertEqual(again.status, 2, again.stderr)
        XCTAssertTrue(again.stderr.contains("--resume") && again.stderr.contains("--force"), again.stderr)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: dir + "/m.hm2bp")), trained, "the finished model is untouched")

        let resume = ["train", "--train-limit", "40", "--test-limit", "20", "-o", "m.hm2bp", "--resume", "--epochs", "2"]
        for (extra, flag) in [(["--time-steps", "20"], "--time-steps"), (["--time-steps", "80"], "--time-steps"), (["--seed", "8"], "--seed"),
                              (["--set", "learningRate=0.001"], "--set"), (["--arch", "784-30-10"], "--arch"), (["--train-limit", "30"], "--train-limit")] {
            let run = try CommandRunner.run(resume + extra, in: dir)
            XCTAssertEqual(run.status, 2, "\(extra): \(run.stderr)")
            XCTAssertTrue(run.stderr.contains(flag) && run.stderr.contains("checkpoint"), "\(extra): \(run.stderr)")
        }
        // No --arch, --time-steps, --seed or --set: all from the checkpoint.
        let continued = try CommandRunner.run(resume + ["--json"], in: dir)
        XCTAssertEqual(continued.status, 0, continued.stderr)
        let report = try JSONSerialization.jsonObject(with: Data(continued.stdout.utf8)) as! [String: Any]
        XCTAssertEqual(report["seed"] as? Int, 7)
        XCTAssertEqual(report["timeSteps"] as? Int, 40)
        XCTAssertEqual(report["architecture"] as? String, "784-20-10")
        XCTAssertEqual((report["epochs"] as? [Any])?.count, 2)
        XCTAssertEqual(report["interrupted"] as? Bool, false)

        let forced = try CommandRunner.run(small + ["--force"], in: dir)
        XCTAssertEqual(forced.status, 0, forced.stderr)
        XCTAssertTrue(forced.stdout.contains("seed 1"), forced.stdout)
    }
}
