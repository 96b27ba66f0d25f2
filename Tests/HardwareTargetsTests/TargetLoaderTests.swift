import Foundation
import XCTest
@testable import HardwareTargets

final class TargetLoaderTests: XCTestCase {
    func testShippedTargetsLoadByName() throws {
        let emulator = try TargetLoader.load("emulator").target
        XCTAssertEqual(emulator.kind, .emulator)
        XCTAssertNil(emulator.board)
        let nano = try TargetLoader.load("hm2bp-nano").target
        let micro = try TargetLoader.load("hm2bp-micro").target
        XCTAssertEqual(nano.board?.usbVendorId, 0x1209)
        XCTAssertNotEqual(nano.board?.usbProductId, micro.board?.usbProductId)
        XCTAssertNotEqual(nano.core, micro.core, "the two boards have different limits")
        // 784-800-10 must be split over several cores on at least one board.
        XCTAssertLessThan(nano.core.neurons, 800)
        XCTAssertTrue(TargetLoader.knownNames().contains("hm2bp-micro"))
    }

    func testMissingFieldIsNamedWithItsPath() throws {
        let text = try shippedText("hm2bp-nano").replacingOccurrences(of: "\"thresholdBits\": 23,", with: "")
        XCTAssertThrowsError(try TargetLoader.decode(Array(text.utf8), path: "x.json")) { error in
            XCTAssertEqual(error as? TargetError, .invalidField(path: "x.json", field: "core.thresholdBits",
                                                                reason: "missing (every field is required; see docs/targets.md)"))
        }
    }

    func testImpossibleFieldsAreNamed() throws {
        let cases: [(String, String, String)] = [
            ("\"weightBits\": 8", "\"weightBits\": 12", "core.weightBits"),
            ("\"thresholdBits\": 23", "\"thresholdBits\": 24", "core.thresholdBits"),
            ("\"bitsPerEntry\": 32", "\"bitsPerEntry\": 4", "core.synapseMemory.bitsPerEntry"),
            ("\"decay\": [\"shift\"]", "\"decay\": []", "core.decay"),
            ("\"decay\": [\"shift\"]", "\"decay\": [\"exponential\"]", "core.decay[0]"),
            ("\"cores\": 8", "\"cores\": 0", "cores"),
            ("\"usbVendorId\": 4617", "\"usbVendorId\": 70000", "board.usbVendorId"),
            ("\"kind\": \"board\"", "\"kind\": \"emulator\"", "board"),
            ("\"neurons\": 128", "\"neurons\": \"many\"", "core.neurons"),
        ]
        let original = try shippedText("hm2bp-nano")
        for (from, to, field) in cases {
            XCTAssertTrue(original.contains(from), from)
            let text = original.replacingOccurrences(of: from, with: to)
            XCTAssertThrowsError(try TargetLoader.decode(Array(text.utf8), path: "t.json"), field) { error in
                guard case .invalidField(let path, let named, _)? = error as? TargetError else { return XCTFail("\(error)") }
                XCTAssertEqual(path, "t.json")
                XCTAssertEqual(named, field, "\(error)")
            }
        }
    }

    /// Issue 9 items 3 and 17: bounds built from unchecked fields trapped (weightBits 65 made the
    /// range weightBits...64; stateBits -2^63 overflowed stateBits - 1); numbers that do not fit
    /// their field were "not valid JSON" with no field named.
    func testOutOfRangeAndUnrepresentableNumbersAreNamedNotTrapped() throws {
        let original = try shippedText("hm2bp-nano")
        let cases: [(String, String, String)] = [
            ("\"weightBits\": 8", "\"weightBits\": 65", "core.weightBits"),
            ("\"weightBits\": 8", "\"weightBits\": 1E2", "core.weightBits"),
            ("\"weightBits\": 8", "\"weightBits\": 8.5", "core.weightBits"),
            ("\"stateBits\": 24", "\"stateBits\": -9223372036854775808", "core.stateBits"),
            ("\"stateBits\": 24", "\"stateBits\": 9223372036854775808", "core.stateBits"),
            ("\"cores\": 8", "\"cores\": 1e400", "cores"),
        ]
        for (from, to, field) in cases {
            XCTAssertTrue(original.contains(from), from)
            XCTAssertThrowsError(try TargetLoader.decode(Array(original.replacingOccurrences(of: from, with: to).utf8), path: "t.json"), to) { error in
                guard case .invalidField(_, let named, let reason)? = error as? TargetError else { return XCTFail("\(error)") }
                XCTAssertEqual(named, field, "\(to): \(error)")
                XCTAssertFalse(reason.contains("not valid JSON"), reason)
            }
        }
    }

    func testBoardWithoutBoardSectionIsRejected() throws {
        var text = try shippedText("emulator")
        text = text.replacingOccurrences(of: "\"kind\": \"emulator\"", with: "\"kind\": \"board\"")
        XCTAssertThrowsError(try TargetLoader.decode(Array(text.utf8), path: "e.json")) { error in
            XCTAssertTrue("\(error)".contains("field board: missing"), "\(error)")
        }
    }

    func testUnknownNameListsTheKnownTargets() {
        XCTAssertThrowsError(try TargetLoader.load("hm2bp-mega")) { error in
            XCTAssertTrue("\(error)".contains("hm2bp-nano"), "\(error)")
        }
        XCTAssertThrowsError(try TargetLoader.load("/nonexistent/t.json")) { error in
            XCTAssertEqual(error as? TargetError, .unreadable(path: "/nonexistent/t.json"))
        }
    }

    private func shippedText(_ name: String) throws -> String {
        String(decoding: try TargetLoader.load(name).fileBytes, as: UTF8.self)
    }
}

/// Property: a target file with any number replaced by a hostile one decodes into a target
/// within docs/targets.md's ranges or fails naming the field; never a trap and never the
/// unnamed "not valid JSON".
final class TargetLoaderPropertyTests: XCTestCase {
    static let hostile: [String] = ["0", "-1", "1", "2", "8", "9", "64", "65", "1E2", "8.5", "-9223372036854775808", "9223372036854775807",
                                    "9223372036854775808", "1e400", "4294967296", "1099511627777", "-0.0", "true", "null", "\"8\""]

    func testHostileNumbersAreNamedOrInRange() throws {
        let text = String(decoding: try TargetLoader.load("hm2bp-micro").fileBytes, as: UTF8.self)
        let numbers = try NSRegularExpression(pattern: "(?<=: )-?[0-9][0-9.eE+-]*(?=\\s*[,}\\]\\n])").matches(in: text, range: NSRange(text.startIndex..., in: text))
        XCTAssertGreaterThan(numbers.count, 15)
        var state: UInt64 = 3
        func next() -> Int { state = state &* 6364136223846793005 &+ 1442695040888963407; return Int(state >> 33) }
        for _ in 0..<600 {
            var mutated = text
            var replaced: [String] = []
            for match in numbers.shuffled(using: &SeededShuffle.shared).prefix(1 + next() % 2).sorted(by: { $0.range.location > $1.range.location }) {
                let range = Range(match.range, in: mutated)!
                let value = Self.hostile[next() % Self.hostile.count]
                replaced.append("\(mutated[range]) -> \(value)")
                mutated.replaceSubrange(range, with: value)
            }
            do {
                let target = try TargetLoader.decode(Array(mutated.utf8), path: "t.json")
                XCTAssertNil(TargetValidation.firstProblem(in: target))
                XCTAssertTrue((2...8).contains(target.core.weightBits) && (8...32).contains(target.core.stateBits))
            } catch let error as TargetError {
                guard case .invalidField(let path, let field, let reason) = error else { return XCTFail("\(error)") }
                XCTAssertEqual(path, "t.json")
                XCTAssertNotEqual(field, "(document)", "\(replaced): \(reason)")
                XCTAssertFalse(reason.contains("not valid JSON"), reason)
            }
        }
    }
}

/// A seeded generator for `shuffled(using:)`, so every run tries the same cases.
struct SeededShuffle: RandomNumberGenerator {
    nonisolated(unsafe) static var shared = SeededShuffle()
    var state: UInt64 = 0x5EED
    mutating func next() -> UInt64 {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return state ^ (state >> 29)
    }
}

/// `core.sharedKernels` belongs to format version 2 (docs/targets.md).
final class SharedKernelFieldTests: XCTestCase {
    func testVersionTwoNeedsTheFieldAndVersionOneRefusesIt() throws {
        let large = String(decoding: try TargetLoader.load("hm2bp-large").fileBytes, as: UTF8.self)
        XCTAssertTrue(try TargetLoader.load("hm2bp-large").target.core.supportsSharedKernels)
        XCTAssertFalse(try TargetLoader.load("hm2bp-nano").target.core.supportsSharedKernels, "version 1 means no shared kernels")
        let missing = large.replacingOccurrences(of: ",\n    \"sharedKernels\": true", with: "")
        XCTAssertThrowsError(try TargetLoader.decode(Array(missing.utf8), path: "x.json")) { error in
            XCTAssertTrue("\(error)".contains("core.sharedKernels"), "\(error)")
        }
        let versionOne = large.replacingOccurrences(of: "\"formatVersion\": 2", with: "\"formatVersion\": 1")
        XCTAssertThrowsError(try TargetLoader.decode(Array(versionOne.utf8), path: "x.json")) { error in
            XCTAssertTrue("\(error)".contains("formatVersion to 2"), "\(error)")
        }
    }
}
