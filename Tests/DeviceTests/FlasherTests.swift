@testable import Device
import InMemoryBoard
import NeuroImage
import XCTest

/// Flashing through the firmware's own protocol handler (in memory): DFU download, read back,
/// the checks before a byte is sent, the board's own refusals, and that a refused or broken
/// flash leaves the previous image active.
final class FlasherTests: XCTestCase {
    func testFlashReadsBackAndActivatesTheImage() throws {
        let (_, board) = try BoardFixtures.board()
        XCTAssertNil(board.info.activeSlot)
        let first = try BoardFixtures.image(target: "hm2bp-nano", seed: 1)
        var reported: [Int] = []
        let report = try Flasher.flash(first.bytes, image: first.image, to: board) { sent, _ in reported.append(sent) }
        XCTAssertTrue(report.readBackIdentical)
        XCTAssertEqual(report.activeImageSHA256, Flasher.imageDigest(first.bytes))
        XCTAssertEqual(board.info.activeImageSHA256, Flasher.imageDigest(first.bytes))
        XCTAssertEqual(board.info.activeImageBytes, first.bytes.count)
        XCTAssertEqual(reported.last, first.bytes.count)
        XCTAssertEqual(reported.count, (first.bytes.count + 1023) / 1024)
        XCTAssertEqual(try board.dfu.upload(limit: 1 << 20), first.bytes)

        // A second image goes to the other slot and replaces the first.
        let second = try BoardFixtures.image(target: "hm2bp-nano", seed: 2)
        XCTAssertNotEqual(first.bytes, second.bytes)
        let again = try Flasher.flash(second.bytes, image: second.image, to: board)
        XCTAssertEqual(again.previousImageSHA256, Flasher.imageDigest(first.bytes))
        XCTAssertNotEqual(again.activeSlot, report.activeSlot)
        XCTAssertEqual(try board.dfu.upload(limit: 1 << 20), second.bytes)
    }

    func testHostRefusesAnImageForAnotherBoardBeforeSendingIt() throws {
        let (_, board) = try BoardFixtures.board()
        let nano = try BoardFixtures.image(target: "hm2bp-nano")
        _ = try Flasher.flash(nano.bytes, image: nano.image, to: board)
        for target in ["hm2bp-micro", "emulator"] {
            let other = try BoardFixtures.image(target: target)
            XCTAssertThrowsError(try Flasher.flash(other.bytes, image: other.image, to: board)) { error in
                guard case DeviceError.wrongTarget(_, let boardName, _) = error else { return XCTFail("\(error)") }
                XCTAssertEqual(boardName, "hm2bp-nano")
                XCTAssertEqual((error as? DeviceError)?.exitCode, 12)
            }
        }
        XCTAssertEqual(try board.refreshInfo().activeImageSHA256, Flasher.imageDigest(nano.bytes))
    }

    func testHostRefusesAnImageForAnotherProtocolVersion() throws {
        let (_, board) = try BoardFixtures.board()
        var image = try BoardFixtures.image(target: "hm2bp-nano").image
        image.target.protocolVersion = 2
        let bytes = ImageEncoder.encode(image)
        XCTAssertThrowsError(try Flasher.flash(bytes, image: image, to: board)) { error in
            guard case DeviceError.wrongTarget(_, _, let detail) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(detail, "image made for USB protocol 2, this hm2bp speaks 1")
        }
        XCTAssertNil(try board.refreshInfo().activeSlot, "nothing was sent")
    }

    func testTheBoardItselfRefusesAWrongTargetAndKeepsItsImage() throws {
        let (_, board) = try BoardFixtures.board()
        let nano = try BoardFixtures.image(target: "hm2bp-nano")
        _ = try Flasher.flash(nano.bytes, image: nano.image, to: board)
        let micro = try BoardFixtures.image(target: "hm2bp-micro")
        // Straight to DFU, past the host's checks: manifestation refuses it.
        XCTAssertThrowsError(try board.dfu.download(micro.bytes) { _ in }) { error in
            guard case let DeviceError.refused(status, code, _) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(status, 0x01) // errTARGET
            XCTAssertEqual(code, 0x0320)
        }
        XCTAssertEqual(try board.refreshInfo().activeImageSHA256, Flasher.imageDigest(nano.bytes))
        // The interface is usable again: the same image flashes.
        XCTAssertNoThrow(try Flasher.flash(nano.bytes, image: nano.image, to: board))
    }

    func testImageLargerThanTheSlotIsRefusedByHostAndBoard() throws {
        let folder = NSTemporaryDirectory() + "hm2bp-small-slot-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let nano = try BoardFixtures.image(target: "hm2bp-nano")
        let profile = try String(contentsOfFile: BoardFixtures.targets + "/hm2bp-nano.json", encoding: .utf8)
            .replacingOccurrences(of: "\"maxImageBytes\": 1048576", with: "\"maxImageBytes\": \(nano.bytes.count - 1)")
        try profile.write(toFile: folder + "/hm2bp-nano.json", atomically: true, encoding: .utf8)
        let (_, board) = try BoardFixtures.board(targetsDirectory: folder)
        XCTAssertEqual(board.info.slotBytes, nano.bytes.count - 1)
        XCTAssertThrowsError(try Flasher.flash(nano.bytes, image: nano.image, to: board)) { error in
            XCTAssertEqual(error as? DeviceError, .imageTooLarge(bytes: nano.bytes.count, capacity: nano.bytes.count - 1, target: "hm2bp-nano"))
        }
        XCTAssertThrowsError(try board.dfu.download(nano.bytes) { _ in }) { error in
            guard case let DeviceError.refused(_, code, _) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(code, 0x0323)
        }
        XCTAssertNil(try board.refreshInfo().activeSlot)
    }

    func testAnAbandonedDownloadLeavesThePreviousImageAndCanBeRepeated() throws {
        let (_, board) = try BoardFixtures.board()
        let first = try BoardFixtures.image(target: "hm2bp-nano", seed: 1)
        let second = try BoardFixtures.image(target: "hm2bp-nano", seed: 2)
        _ = try Flasher.flash(first.bytes, image: first.image, to: board)
        // Half of the second image, then the host goes away (as after an unplug).
        let half = Array(second.bytes.prefix(second.bytes.count / 2 / 1024 * 1024))
        let setup = ControlSetup(requestType: 0x21, request: 1, value: 0, index: board.transport.dfuInterface.number)
        for block in 0..<(half.count / 1024) {
            var s = setup
            s.value = UInt16(block)
            try board.transport.controlOut(s, data: Array(half[(block * 1024)..<((block + 1) * 1024)]), timeoutMilliseconds: 100)
            _ = try board.dfu.getStatus(during: "test")
        }
        XCTAssertEqual(try board.refreshInfo().activeImageSHA256, Flasher.imageDigest(first.bytes))
        let report = try Flasher.flash(second.bytes, image: second.image, to: board)
        XCTAssertEqual(report.activeImageSHA256, Flasher.imageDigest(second.bytes))
    }
}
