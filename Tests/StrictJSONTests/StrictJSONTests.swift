import XCTest
@testable import StrictJSON

final class StrictJSONTests: XCTestCase {
    struct Inner: Codable, Equatable { var bits: Int; var scale: Float }
    struct Outer: Codable, Equatable { var name: String; var layers: [Inner] }

    func error(_ text: String) -> JSONFieldError? {
        do {
            _ = try StrictJSON.decode(Outer.self, from: Array(text.utf8))
            return nil
        } catch let error as JSONFieldError {
            return error
        } catch {
            XCTFail("unexpected error type: \(error)")
            return nil
        }
    }

    func testDecodesAValidDocument() throws {
        let value = try StrictJSON.decode(Outer.self, from: Array(#"{"name": "a", "layers": [{"bits": 8, "scale": 0.5}]}"#.utf8))
        XCTAssertEqual(value, Outer(name: "a", layers: [Inner(bits: 8, scale: 0.5)]))
    }

    func testANumberThatDoesNotFitNamesItsField() {
        for bad in ["8.5", "9223372036854775808", "1e400", "-1e300"] {
            let text = #"{"name": "a", "layers": [{"bits": 8, "scale": 1}, {"bits": BAD, "scale": 2}]}"#.replacingOccurrences(of: "BAD", with: bad)
            let found = error(text)
            XCTAssertEqual(found?.field, "layers[1].bits", "\(bad): \(String(describing: found))")
            XCTAssertTrue(found?.reason.contains(bad) ?? false, "\(String(describing: found))")
        }
        XCTAssertEqual(error(#"{"name": "a", "layers": [{"bits": 8, "scale": 1e39}]}"#)?.field, "layers[0].scale")
    }

    func testMissingWrongTypeAndNullNameTheField() {
        XCTAssertEqual(error(#"{"name": "a", "layers": [{"scale": 1}]}"#), JSONFieldError(field: "layers[0].bits", reason: "missing (the field is required)"))
        XCTAssertEqual(error(#"{"name": 3, "layers": []}"#)?.field, "name")
        XCTAssertEqual(error(#"{"name": "a", "layers": [{"bits": null, "scale": 1}]}"#)?.field, "layers[0].bits")
    }

    func testTextThatIsNotJSONNamesTheDocument() {
        XCTAssertEqual(error("{\"name\": \"a\",, 12")?.field, "(document)")
        XCTAssertEqual(error("")?.field, "(document)")
    }

    func testTheScannerTracksKeysThroughEscapesAndNesting() {
        let tokens = StrictJSON.numberTokens(Array(#"{"a\"b": [1, {"c": -2.5e3}], "d": {"e": 7}}"#.utf8))
        XCTAssertEqual(tokens.map(\.path), ["a\\\"b[0]", "a\\\"b[1].c", "d.e"])
        XCTAssertEqual(tokens.map(\.text), ["1", "-2.5e3", "7"])
    }
}

extension StrictJSONTests {
    func testTheFirstOfSeveralNumbersThatDoNotFitIsNamed() {
        let found = error(#"{"name": "a", "layers": [{"bits": 1, "scale": 1}, {"bits": 2.5, "scale": 1e99}, {"bits": 1e30, "scale": 0}]}"#)
        XCTAssertEqual(found?.field, "layers[1].bits", "\(String(describing: found))")
    }
}

extension StrictJSONTests {
    /// The search stays linear in the document: a large array of numbers with the bad one last
    /// is named after a few passes (a bound on work for hostile files, not a timing test).
    func testALargeDocumentIsSearchedInFewPasses() {
        let numbers = (0..<3000).map { _ in "1" }.joined(separator: ", ")
        struct Big: Decodable { var values: [Int]; var last: Int }
        XCTAssertThrowsError(try StrictJSON.decode(Big.self, from: Array("{\"values\": [\(numbers)], \"last\": 2.5}".utf8))) { error in
            // The token list is capped, so a culprit beyond the cap is reported as the document.
            XCTAssertEqual((error as? JSONFieldError)?.field, "(document)")
            XCTAssertTrue("\(error)".contains("does not fit"), "\(error)")
        }
        XCTAssertThrowsError(try StrictJSON.decode(Big.self, from: Array("{\"last\": 2.5, \"values\": [\(numbers)]}".utf8))) { error in
            XCTAssertEqual((error as? JSONFieldError)?.field, "last")
        }
    }
}
