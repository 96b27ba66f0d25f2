import Foundation
import XCTest
@testable import Verify

/// Issue 9 item 9 and a property over limit values: a limit is a finite number in its range or
/// it is refused, from a flag or a file; a NaN can never disable a gate.
final class VerifyLimitsTests: XCTestCase {
    func testEveryLimitValueIsRefusedOrAFiniteNumberInRange() {
        let values: [Double?] = [nil, .nan, -.nan, .infinity, -.infinity, -1, -0.0, 0, 0.5, 99.99, 100, 100.5, 1e300, .leastNonzeroMagnitude]
        for drop in values {
            for agreement in values {
                for countError in values {
                    let limits = VerifyLimits(maxAccuracyDrop: drop, minAgreement: agreement, maxFiringCountError: countError)
                    guard limits.firstProblem() == nil else { continue }
                    for value in [drop, agreement, countError].compactMap({ $0 }) { XCTAssertTrue(value.isFinite && value >= 0, "\(limits)") }
                    XCTAssertLessThanOrEqual(drop ?? 0, 100)
                    XCTAssertLessThanOrEqual(agreement ?? 0, 100)
                }
            }
        }
        XCTAssertEqual(VerifyLimits(minAgreement: .nan).firstProblem()?.key, "minAgreement")
    }

    func testALimitsFileWithANumberThatIsNoLimitIsNamed() throws {
        let path = NSTemporaryDirectory() + "limits-\(UUID().uuidString).json"
        defer { try? FileManager.default.removeItem(atPath: path) }
        for (text, expected) in [("{\"minAgreement\": 1e400}", "field minAgreement"), ("{\"maxAccuracyDrop\": -1}", "field maxAccuracyDrop"),
                                 ("{\"minAgreement\": \"97\"}", "field minAgreement"), ("{\"minAgreemnt\": 97}", "unknown limit 'minAgreemnt'"),
                                 ("[1]", "field (document)")] {
            try Data(text.utf8).write(to: URL(fileURLWithPath: path))
            XCTAssertThrowsError(try VerifyLimits.read(path: path), text) { XCTAssertTrue("\($0)".contains(expected), "\(text): \($0)") }
        }
        try Data("{\"minAgreement\": 97, \"maxAccuracyDrop\": 0.5}".utf8).write(to: URL(fileURLWithPath: path))
        XCTAssertEqual(try VerifyLimits.read(path: path), VerifyLimits(maxAccuracyDrop: 0.5, minAgreement: 97))
    }
}
