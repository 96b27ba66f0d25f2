import Foundation
import XCTest

/// `hm2bp devices` without a board (the board paths run under the virtual board in
/// scripts/loader-test.sh).
final class DevicesCommandTests: XCTestCase {
    func testNoBoardIsExitFourWithCauseAndFix() throws {
        let run = try CommandRunner.run(["devices"])
        if run.status == 0 { throw XCTSkip("a board is attached here; this test needs none") }
        XCTAssertEqual(run.status, 4, run.stderr)
        XCTAssertTrue(run.stderr.contains("hm2bp: error: no hm2bp board is attached"), run.stderr)
        XCTAssertTrue(run.stderr.contains("fix: plug the board in"), run.stderr)
        let json = try CommandRunner.run(["devices", "--json"])
        XCTAssertEqual(json.status, 4)
        let decoded = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        XCTAssertEqual((decoded?["boards"] as? [Any])?.count, 0, json.stdout)
    }
}
