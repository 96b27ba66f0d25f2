@testable import Device
import InMemoryBoard
import XCTest

/// The vendor protocol client over the firmware's handler, with a transport that damages
/// replies or stalls on purpose to drive the client's recovery paths.
final class BoardClientTests: XCTestCase {
    /// Wraps a transport; `damage` rewrites bulk IN replies, `stallNextRead` halts once.
    final class Faulty: Transport {
        let inner: Transport
        var damage: (([UInt8]) -> [UInt8])?
        var damagedReplies = 0
        var stallNextRead = false
        var cleared = 0
        init(_ inner: Transport) { self.inner = inner }
        var dfuInterface: (number: UInt16, transferSize: Int) { inner.dfuInterface }
        var stallsControl: (ControlSetup) -> Bool = { _ in false }
        func controlIn(_ s: ControlSetup, timeoutMilliseconds: Int) throws -> [UInt8] {
            if stallsControl(s) { throw TransportError.stall }
            return try inner.controlIn(s, timeoutMilliseconds: timeoutMilliseconds)
        }
        func controlOut(_ s: ControlSetup, data: [UInt8], timeoutMilliseconds: Int) throws { try inner.controlOut(s, data: data, timeoutMilliseconds: timeoutMilliseconds) }
        func bulkOut(_ data: [UInt8], timeoutMilliseconds: Int) throws { try inner.bulkOut(data, timeoutMilliseconds: timeoutMilliseconds) }
        func bulkIn(maxLength: Int, timeoutMilliseconds: Int) throws -> [UInt8] {
            if stallNextRead { stallNextRead = false; throw TransportError.stall }
            let reply = try inner.bulkIn(maxLength: maxLength, timeoutMilliseconds: timeoutMilliseconds)
            guard let damage else { return reply }
            damagedReplies += 1
            return damage(reply)
        }
        func clearHalts() throws { cleared += 1; try inner.clearHalts() }
    }

    func testHandshakeReadsTheBoardsIdentity() throws {
        let (_, board) = try BoardFixtures.board("hm2bp-micro")
        XCTAssertEqual(board.info.targetName, "hm2bp-micro")
        XCTAssertEqual(board.info.usbProductId, 0xB2B2)
        XCTAssertEqual(board.info.slotBytes, 4 << 20)
        XCTAssertEqual(board.info.serial, "IN-MEMORY")
        XCTAssertEqual(try board.client.versionRange(), 1...1)
        XCTAssertGreaterThanOrEqual(board.info.firmwareVersion, Board.minimumFirmware)
    }

    func testOneBrokenReplyIsAskedForAgainWithoutRunningTheRequestTwice() throws {
        let faulty = Faulty(try InMemoryTransport(target: "hm2bp-nano", targetsDirectory: BoardFixtures.targets))
        let client = BoardClient(faulty)
        let before = try client.status().framesAccepted
        var once = true
        faulty.damage = { reply in
            defer { once = false }
            guard once else { return reply }
            var broken = reply
            broken[broken.count / 2] ^= 0xFF
            return broken
        }
        let status = try client.status()
        XCTAssertEqual(faulty.damagedReplies, 2)
        // The retry (same sequence number and CRC32) got the board's last reply again: one frame accepted.
        XCTAssertEqual(status.framesAccepted, before + 1)
    }

    func testPersistentDamageIsAnErrorNamingTheProblem() throws {
        let faulty = Faulty(try InMemoryTransport(target: "hm2bp-nano", targetsDirectory: BoardFixtures.targets))
        let client = BoardClient(faulty)
        faulty.damage = { Array($0.prefix(10)) }
        XCTAssertThrowsError(try client.info()) { error in
            XCTAssertEqual(error as? DeviceError, .badReply(during: "INFO", problem: FrameProblem.short(10).description))
            XCTAssertEqual((error as? DeviceError)?.exitCode, 10)
        }
    }

    func testAStallIsClearedAndReported() throws {
        let faulty = Faulty(try InMemoryTransport(target: "hm2bp-nano", targetsDirectory: BoardFixtures.targets))
        let client = BoardClient(faulty)
        faulty.stallNextRead = true
        XCTAssertThrowsError(try client.info()) { error in
            guard case DeviceError.stall(let during, _) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(during, "INFO")
        }
        XCTAssertEqual(faulty.cleared, 1)
        XCTAssertNoThrow(try client.info(), "the board answers again once the halt is cleared")
    }

    func testAFirmwareWithoutGetVersionIsUnsupported() throws {
        let faulty = Faulty(try InMemoryTransport(target: "hm2bp-nano", targetsDirectory: BoardFixtures.targets))
        faulty.stallsControl = { $0.requestType == 0xC0 && $0.request == 0x01 }
        XCTAssertThrowsError(try Board(faulty)) { error in
            XCTAssertEqual(error as? DeviceError, .unsupportedFirmware(boardRange: 0...0, firmware: "without GET_VERSION", host: 1))
            XCTAssertEqual((error as? DeviceError)?.fix.hasPrefix("update the board's firmware"), true)
        }
    }

    func testRunWithoutAnImageIsTheBoardsRefusal() throws {
        let (_, board) = try BoardFixtures.board()
        var payload: [UInt8] = []
        payload.appendLE(UInt32(0))
        payload.appendLE(UInt32(60))
        XCTAssertThrowsError(try board.client.request(.runBegin, payload: payload)) { error in
            XCTAssertEqual(error as? DeviceError, .commandFailed(command: "RUN_BEGIN", code: 0x0201, text: "no valid image is active"))
        }
    }

    func testEveryFailureHasItsOwnExitCodeAboveTheCLIsOwn() {
        let all: [DeviceError] = [
            .noDevice(wanted: nil, present: []), .permissionDenied(node: ""), .interfaceBusy(serial: ""), .disconnected(during: ""),
            .timeout(during: "", milliseconds: 1), .stall(during: "", boardError: nil), .badReply(during: "", problem: ""),
            .unsupportedFirmware(boardRange: 2...2, firmware: nil, host: 1), .wrongTarget(image: "", board: "", detail: ""),
            .imageTooLarge(bytes: 2, capacity: 1, target: ""), .refused(dfuStatus: 2, code: 0x0304, reason: ""),
            .readBackMismatch(offset: 0, sent: 1, readBack: 1), .imageNotActive(serial: "", active: nil, wanted: ""),
            .severalBoards(serials: []), .commandFailed(command: "", code: 1, text: ""), .usb(operation: "", message: ""),
        ]
        XCTAssertEqual(Set(all.map(\.exitCode)).count, all.count)
        XCTAssertTrue(all.allSatisfy { $0.exitCode >= 4 && $0.exitCode < 64 })
        XCTAssertEqual(DeviceError.firmwareTooOld(firmware: "0.9.0", minimum: "1.0.0").exitCode, DeviceError.unsupportedFirmware(boardRange: 2...2, firmware: nil, host: 1).exitCode)
        XCTAssertTrue(all.allSatisfy { !$0.cause.isEmpty && !$0.fix.isEmpty })
    }
}
