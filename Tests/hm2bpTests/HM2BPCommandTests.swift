import Foundation
import XCTest

/// The root command: version, help, and the documented exit status of usage errors.
final class HM2BPCommandTests: XCTestCase {
    func testVersionHelpAndUsageStatuses() throws {
        let version = try CommandRunner.run(["--version"])
        XCTAssertEqual(version.status, 0)
        XCTAssertTrue(version.stdout.hasPrefix("hm2bp "), version.stdout)
        let help = try CommandRunner.run(["--help"])
        XCTAssertEqual(help.status, 0)
        XCTAssertTrue(help.stdout.contains("docs/cli.md"), help.stdout)
        // Parse errors are usage errors (2), not ArgumentParser's 64.
        for arguments in [["frobnicate"], ["eval"], ["eval", "m.hm2bp", "--no-such-flag"], ["train", "--dataset", "cifar"]] {
            let run = try CommandRunner.run(arguments)
            XCTAssertEqual(run.status, 2, "\(arguments): \(run.stderr)")
        }
        // Hidden deprecated names stay out of the help.
        let emulateHelp = try CommandRunner.run(["emulate", "--help"])
        XCTAssertFalse(emulateHelp.stdout.contains("--samples"), emulateHelp.stdout)
        XCTAssertTrue(emulateHelp.stdout.contains("--trace-limit"), emulateHelp.stdout)
    }

    /// Issue 9 item 18: an output that cannot be written is a one-line error with status 4
    /// naming the path, not a raw NSCocoaErrorDomain dump.
    func testUnwritableOutputIsAnEnvironmentError() throws {
        let dir = try CommandRunner.temporaryDirectory(self)
        let model = dir + "/m.hm2bp"
        try CommandFixtures.writeModel([20, 10], to: model)
        try Data("a file".utf8).write(to: URL(fileURLWithPath: dir + "/blocker"))
        let run = try CommandRunner.run(["compile", model, "-o", dir + "/blocker/m.img", "--calibration-samples", "0"])
        XCTAssertEqual(run.status, 4, run.stderr)
        XCTAssertTrue(run.stderr.contains("blocker"), run.stderr)
        XCTAssertFalse(run.stderr.contains("NSCocoaErrorDomain"), run.stderr)
    }
}
