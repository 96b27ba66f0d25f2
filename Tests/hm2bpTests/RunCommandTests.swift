import Foundation
import XCTest

/// `hm2bp run` argument checks; runs on a board are scripts/loader-test.sh's.
final class RunCommandTests: XCTestCase {
    func testLimitMustBePositive() throws {
        let run = try CommandRunner.run(["run", "model.img", "--limit", "0"])
        XCTAssertNotEqual(run.status, 0)
        XCTAssertTrue(run.stderr.contains("--limit must be at least 1"), run.stderr)
    }
}
