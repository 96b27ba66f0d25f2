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

        // Agreement cannot exceed 100 %, so this limit always breaks.
        let fail = try CommandRunner.run(["verify", model, image, "--limit", "10", "--min-agreement", "100.5"], in: directory)
        XCTAssertEqual(fail.status, 1, fail.stdout + fail.stderr)
        XCTAssertTrue(fail.stdout.contains("FAIL: prediction agreement"), fail.stdout)
    }

    func testLimitsFileAndJSONReport() throws {
        let directory = try CommandRunner.temporaryDirectory(self)
        let (model, image) = try EmulatorCLIFixture.compiled(in: directory)
        try AtomicFile.write("{\"minAgreement\": 100.5}", to: directory + "/limits.json")
        let fromFile = try CommandRunner.run(["verify", model, image, "--limit", "10", "--limits", "limits.json", "--json"], in: directory)
        XCTAssertEqual(fromFile.status, 1, fromFile.stderr)
        let report = try JSONSerialization.jsonObject(with: Data(fromFile.stdout.utf8)) as! [String: Any]
        XCTAssertEqual(report["samples"] as? Int, 10)
        XCTAssertEqual((report["violations"] as? [String])?.count, 1)
        // A flag overrides the file.
        let overridden = try CommandRunner.run(["verify", model, image, "--limit", "10", "--limits", "limits.json", "--min-agreement", "0"], in: directory)
        XCTAssertEqual(overridden.status, 0, overridden.stdout + overridden.stderr)
    }

    func testImageOfAnotherModelIsRefused() throws {
        let directory = try CommandRunner.temporaryDirectory(self)
        let (_, image) = try EmulatorCLIFixture.compiled(in: directory)
        let other = try CommandRunner.temporaryDirectory(self)
        let (otherModel, _) = try EmulatorCLIFixture.compiled(in: other)
        let run = try CommandRunner.run(["verify", otherModel, image, "--limit", "5"], in: directory)
        XCTAssertNotEqual(run.status, 0)
        XCTAssertTrue(run.stderr.contains("different model"), run.stderr)
    }
}
