import Foundation
import XCTest

/// `hm2bp flash` failures that need no board; the board paths are scripts/loader-test.sh's.
final class FlashCommandTests: XCTestCase {
    func testAMissingImageIsNamedBeforeLookingForABoard() throws {
        let run = try CommandRunner.run(["flash", "/nonexistent/model.img"])
        XCTAssertNotEqual(run.status, 0)
        XCTAssertNotEqual(run.status, 4, "the file is checked first")
        XCTAssertTrue(run.stderr.contains("/nonexistent/model.img"), run.stderr)
    }

    func testAValidImageWithoutABoardIsExitFour() throws {
        let dir = try CommandFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let model = dir.appendingPathComponent("m.hm2bp").path, image = dir.appendingPathComponent("m.img").path
        try CommandFixtures.writeModel([20, 5, 2], timeSteps: 20, to: model)
        XCTAssertEqual(try CommandRunner.run(["compile", model, "--target", "hm2bp-nano", "-o", image, "--calibration-samples", "0"]).status, 0)
        let run = try CommandRunner.run(["flash", image])
        if run.status == 0 { throw XCTSkip("a board is attached here; this test needs none") }
        XCTAssertEqual(run.status, 4, run.stderr)
        XCTAssertTrue(run.stderr.contains("no hm2bp board is attached"), run.stderr)
    }
}
