import Foundation
import SystemZlib
import XCTest

/// A file committed under Tests/SpikeDataTests/Fixtures (see the README there).
func fixture(_ name: String) -> String {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/" + name).path
}

/// A fresh temporary folder, removed when the test ends.
func temporaryDirectory(_ test: XCTestCase) throws -> String {
    let path = NSTemporaryDirectory() + "hm2bp-data-test-" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    test.addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
    return path
}

func writeFile(_ path: String, _ bytes: [UInt8]) throws {
    try Data(bytes).write(to: URL(fileURLWithPath: path))
}

/// Writes `bytes` gzip'd through zlib, as the real archives are.
func writeGzip(_ path: String, _ bytes: [UInt8]) throws {
    guard let file = gzopen(path, "wb") else { throw CocoaError(.fileWriteUnknown) }
    let written = bytes.withUnsafeBytes { gzwrite(file, $0.baseAddress, UInt32($0.count)) }
    guard gzclose(file) == Z_OK, written == bytes.count else { throw CocoaError(.fileWriteUnknown) }
}

/// Asserts that `body` throws an error whose description names `file` and contains `words`.
func assertThrowsNaming(_ file: String, _ words: String, _ body: () throws -> Void,
                        line: UInt = #line) {
    do {
        try body()
        XCTFail("expected an error naming \(file)", line: line)
    } catch {
        let text = "\(error)"
        XCTAssertTrue(text.contains(file), "error does not name \(file): \(text)", line: line)
        XCTAssertTrue(text.contains(words), "error does not say '\(words)': \(text)", line: line)
    }
}
