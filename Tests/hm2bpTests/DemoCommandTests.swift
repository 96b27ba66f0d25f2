import Foundation
import XCTest

final class DemoCommandTests: XCTestCase {
    /// The README's main command, shortened: fetches (from the mirror), trains, reports; with
    /// --json the narrative goes to stderr and stdout is one document (issue 9 item 22).
    func testDemoTrainsAndSummarises() throws {
        let dir = try CommandRunner.temporaryDirectory(self)
        let result = try CommandRunner.run(["demo", "--train-limit", "600", "--json"], in: dir)
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stderr.contains("Summary:"), result.stderr)
        XCTAssertTrue(result.stderr.contains("image for target emulator"), "the compile report is narrative too")
        let report = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as! [String: Any]
        XCTAssertEqual(report["passed"] as? Bool, true)
        XCTAssertEqual(report["trainImages"] as? Int, 600)
        XCTAssertEqual(report["model"] as? String, "hm2bp-demo/model.hm2bp")
        XCTAssertGreaterThan(report["floatAccuracy"] as? Double ?? 0, 0.2, "well above chance (10%)")
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir + "/hm2bp-demo/model.hm2bp"))
    }
}
