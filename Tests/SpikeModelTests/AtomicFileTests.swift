import Foundation
import XCTest
@testable import SpikeModel

/// Issue 9 items 16 and 18: leftovers of killed writers are cleaned, folders are replaced as a
/// whole, and failures are one readable error naming the path.
final class AtomicFileTests: XCTestCase {
    /// Above Linux's largest pid_max (2^22), so never a running process.
    let deadPID = "4194305"

    private func folder() throws -> String {
        let path = NSTemporaryDirectory() + "hm2bp-atomic-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
        return path
    }

    func testStaleTemporariesOfDeadWritersAreRemovedAndLiveOnesKept() throws {
        let dir = try folder()
        let stale = dir + "/.m.hm2bp.tmp-\(deadPID)-12345", live = dir + "/.m.hm2bp.tmp-1-777", other = dir + "/.n.hm2bp.tmp-\(deadPID)-1"
        for path in [stale, live, other] { try Data("x".utf8).write(to: URL(fileURLWithPath: path)) }
        try AtomicFile.write("model", to: dir + "/m.hm2bp")
        XCTAssertFalse(FileManager.default.fileExists(atPath: stale))
        XCTAssertTrue(FileManager.default.fileExists(atPath: live), "pid 1 is alive: its temporary is work in progress")
        XCTAssertTrue(FileManager.default.fileExists(atPath: other), "only temporaries of the file written")
        XCTAssertEqual(try String(contentsOfFile: dir + "/m.hm2bp", encoding: .utf8), "model")
    }

    func testFailuresNameThePathWithTheSystemsReason() throws {
        let dir = try folder()
        try Data("f".utf8).write(to: URL(fileURLWithPath: dir + "/file"))
        XCTAssertThrowsError(try AtomicFile.write("x", to: dir + "/file/inside")) { error in
            XCTAssertTrue(error is FileWriteError, "\(error)")
            XCTAssertTrue("\(error)".contains(dir + "/file"), "\(error)")
        }
        XCTAssertThrowsError(try AtomicFile.write("x", to: "")) { error in XCTAssertTrue(error is FileWriteError) }
        XCTAssertThrowsError(try AtomicFile.write("x", to: dir)) { error in XCTAssertTrue("\(error)".contains("folder"), "\(error)") }
    }

    func testAFolderIsReplacedAsAWholeOnlyOnCommit() throws {
        let dir = try folder()
        let target = dir + "/set"
        try FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: true)
        try Data("old".utf8).write(to: URL(fileURLWithPath: target + "/a"))
        try Data("old".utf8).write(to: URL(fileURLWithPath: target + "/b"))
        try FileManager.default.createDirectory(atPath: dir + "/.set.tmp-\(deadPID)", withIntermediateDirectories: true)

        let abandoned = try AtomicDirectory(target)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/.set.tmp-\(deadPID)"), "a dead writer's staging folder is removed")
        try Data("new".utf8).write(to: URL(fileURLWithPath: abandoned.staging + "/a"))
        abandoned.discard()
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: target).sorted(), ["a", "b"], "without commit the old set stays")

        let replacement = try AtomicDirectory(target)
        try Data("new".utf8).write(to: URL(fileURLWithPath: replacement.staging + "/a"))
        try replacement.commit()
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: target), ["a"])
        XCTAssertEqual(try String(contentsOfFile: target + "/a", encoding: .utf8), "new")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir), ["set"], "nothing left beside it")
    }
}
