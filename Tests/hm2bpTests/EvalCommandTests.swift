import Foundation
import XCTest

final class EvalCommandTests: XCTestCase {
    func testEvalPrintsAccuracyConfusionAndSpikesAsTextAndJSON() throws {
        let dir = try CommandRunner.temporaryDirectory(self)
        let trained = try CommandRunner.run(["train", "--arch", "784-100-10", "--train-limit", "1000", "--test-limit", "100",
                                             "-o", "m.hm2bp"], in: dir)
        XCTAssertEqual(trained.status, 0, trained.stderr)
        let text = try CommandRunner.run(["eval", "m.hm2bp", "--limit", "200"], in: dir)
        XCTAssertEqual(text.status, 0, text.stderr)
        XCTAssertTrue(text.stdout.contains("confusion matrix"), text.stdout)
        let json = try CommandRunner.run(["eval", "m.hm2bp", "--limit", "200", "--json"], in: dir)
        XCTAssertEqual(json.status, 0, json.stderr)
        let report = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(report["samples"] as? Int, 200)
        let confusion = try XCTUnwrap(report["confusion"] as? [[Int]])
        XCTAssertEqual(confusion.count, 10)
        XCTAssertEqual(confusion.flatMap { $0 }.reduce(0, +), 200)
        let correct = (0..<10).map { confusion[$0][$0] }.reduce(0, +)
        XCTAssertEqual(report["correct"] as? Int, correct)
        XCTAssertGreaterThan(Double(correct) / 200, 0.4, "1,000 training images must beat chance (10%) clearly")
        XCTAssertEqual((report["meanSpikesPerLayer"] as? [Double])?.count, 2)
    }

    func testDamagedModelIsRejectedNamingTheFile() throws {
        let dir = try CommandRunner.temporaryDirectory(self)
        try Data("HM2BPMDL garbage".utf8).write(to: URL(fileURLWithPath: dir + "/broken.hm2bp"))
        let result = try CommandRunner.run(["eval", "broken.hm2bp"], in: dir)
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.stderr.contains("broken.hm2bp"), result.stderr)
        let missing = try CommandRunner.run(["eval", "nothing.hm2bp"], in: dir)
        XCTAssertNotEqual(missing.status, 0)
        XCTAssertTrue(missing.stderr.contains("nothing.hm2bp"), missing.stderr)
    }
}
