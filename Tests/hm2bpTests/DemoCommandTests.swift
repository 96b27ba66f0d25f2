import Foundation
import XCTest

final class DemoCommandTests: XCTestCase {
    /// The README's main command, shortened: fetches (from the mirror), trains, reports.
    func testDemoTrainsAndSummarises() throws {
        let dir = try CommandRunner.temporaryDirectory(self)
        let result = try CommandRunner.run(["demo", "--train-limit", "600"], in: dir)
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdout.contains("Summary:"), result.stdout)
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir + "/hm2bp-demo/model.hm2bp"))
    }
}
