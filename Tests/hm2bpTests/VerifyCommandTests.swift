import Foundation
import SpikeModel
import XCTest

final class VerifyCommandTests: XCTestCase {
    func testPassesLooseLimitsAndFailsImpossibleOnesWithExitStatus() throws {
        let directory = try CommandRunner.temporaryDirectory(self)
        let (model, image) = try EmulatorCLIFixture.compiled(in: directory)
        let pass = try CommandRunner.run(["verify", model, image, "--dataset", "mnist", "--limit", "40", "--max-accuracy-drop", "100"], in: directory)
        XCTAssertEqual(pass.status, 0, pass.stdout + pass.stderr)
        XCTAssertTrue(pass.stdout.contains("accuracy: float"), pass.stdout)
        XCTAssertTrue(pass.stdout.contains("PASS"), pass.stdout)

        // 8-bit weights cannot reproduce random float weights' spike counts exactly, so a zero
        // count error breaks.
        let fail = try CommandRunner.run(["verify", model, image, "--limit", "10", "--max-firing-count-error", "0"], in: directory)
        XCTAssertEqual(fail.status, 1, fail.stdout + fail.stderr)
        XCTAssertTrue(fail.stdout.contains("FAIL: layer") && fail.stdout.contains("firing-count error"), fail.stdout)
    }

    /// Issue 9 item 9: a limit that is not a number in range (NaN disabled the gate) is a usage
    /// error, from a flag or from the limits file, not a pass.
    func testNaNAndOutOfRangeLimitsAreRefused() throws {
        let directory = try CommandRunner.temporaryDirectory(self)
        let (model, image) = try EmulatorCLIFixture.compiled(in: directory)
        for (flag, value) in [("--min-agreement", "nan"), ("--min-agreement", "100.5"), ("--max-accuracy-drop", "-1"), ("--max-firing-count-error", "inf")] {
            let run = try CommandRunner.run(["verify", model, image, "--limit", "5", flag, value], in: directory)
            XCTAssertEqual(run.status, 2, "\(flag) \(value): " + run.stdout + run.stderr)
            XCTAssertTrue(run.stderr.contains(flag), run.stderr)
            XCTAssertFalse(run.stdout.contains("PASS"), run.stdout)
        }
        try AtomicFile.write("{\"minAgreement\": 1e400}", to: directory + "/limits.json")
        let file = try CommandRunner.run(["verify", model, image, "--limit", "5", "--limits", "limits.json"], in: directory)
        XCTAssertEqual(file.status, 3, file.stderr)
        XCTAssertTrue(file.stderr.contains("limits.json: field minAgreement"), file.stderr)
    }

    /// Issue 9 items 8 and 22: the JSON carries the verdict, the units and what was compared on.
    func testJSONHasTheVerdictTheInputsAndTheData() throws {
        let directory = try CommandRunner.temporaryDirectory(self)
        let (model, image) = try EmulatorCLIFixture.compiled(in: directory)
        let run = try CommandRunner.run(["verify", model, image, "--limit", "6", "--min-agreement", "0", "--json"], in: directory)
        XCTAssertEqual(run.status, 0, run.stderr)
        let report = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as! [String: Any]
        XCTAssertEqual(report["passed"] as? Bool, true)
        XCTAssertEqual(report["dataset"] as? String, "mnist")
        XCTAssertEqual(report["seed"] as? Int, 1)
        XCTAssertEqual(report["limit"] as? Int, 6)
        XCTAssertEqual(report["model"] as? String, model)
        XCTAssertEqual((report["modelSHA256"] as? String)?.count, 64)
        XCTAssertEqual((report["imageSHA256"] as? String)?.count, 64)
        let agreement = try XCTUnwrap(report["agreement"] as? Double), percent = try XCTUnwrap(report["agreementPercent"] as? Double)
        XCTAssertEqual(percent, agreement * 100, accuracy: 1e-9)
    }

    /// Issue 9 item 19: the arguments swapped are named for what they are.
    func testSwappedModelAndImageAreNamed() throws {
        let directory = try CommandRunner.temporaryDirectory(self)
        let (model, image) = try EmulatorCLIFixture.compiled(in: directory)
        let run = try CommandRunner.run(["verify", image, model, "--limit", "5"], in: directory)
        XCTAssertEqual(run.status, 3, run.stderr)
        XCTAssertTrue(run.stderr.contains("this is a compiled hm2bp image, not an hm2bp model file"), run.stderr)
    }

    func testLimitsFileAndJSONReport() throws {
        let directory = try CommandRunner.temporaryDirectory(self)
        let (model, image) = try EmulatorCLIFixture.compiled(in: directory)
        try AtomicFile.write("{\"maxFiringCountError\": 0}", to: directory + "/limits.json")
        let fromFile = try CommandRunner.run(["verify", model, image, "--limit", "10", "--limits", "limits.json", "--json"], in: directory)
        XCTAssertEqual(fromFile.status, 1, fromFile.stderr)
        let report = try JSONSerialization.jsonObject(with: Data(fromFile.stdout.utf8)) as! [String: Any]
        XCTAssertEqual(report["samples"] as? Int, 10)
        XCTAssertGreaterThanOrEqual((report["violations"] as? [String])?.count ?? 0, 1)
        XCTAssertEqual(report["passed"] as? Bool, false)
        // A flag overrides the file.
        let overridden = try CommandRunner.run(["verify", model, image, "--limit", "10", "--limits", "limits.json", "--max-firing-count-error", "1e9"], in: directory)
        XCTAssertEqual(overridden.status, 0, overridden.stdout + overridden.stderr)
    }

    func testImageOfAnotherModelIsRefused() throws {
        let directory = try CommandRunner.temporaryDirectory(self)
        let (_, image) = try EmulatorCLIFixture.compiled(in: directory)
        let other = try CommandRunner.temporaryDirectory(self)
        let (otherModel, _) = try EmulatorCLIFixture.compiled(in: other, seed: 2025)
        let run = try CommandRunner.run(["verify", otherModel, image, "--limit", "5"], in: directory)
        XCTAssertNotEqual(run.status, 0)
        XCTAssertTrue(run.stderr.contains("different model"), run.stderr)
    }
}
