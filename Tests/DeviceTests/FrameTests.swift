@testable import Device
import XCTest

/// The frame codec against docs/usb-protocol.md's layout, and every check a reply must pass.
final class FrameTests: XCTestCase {
    func testLayoutMatchesTheProtocolDocument() {
        let bytes = Frame(version: 1, type: 0x0011, sequence: 0x1234, status: 0x0202, payload: [9, 8, 7]).encoded()
        XCTAssertEqual(Array(bytes[0..<4]), Array("HBPF".utf8))
        XCTAssertEqual(Array(bytes[4..<16]), [1, 0, 0x11, 0, 0x34, 0x12, 0x02, 0x02, 3, 0, 0, 0])
        XCTAssertEqual(Array(bytes[16..<19]), [9, 8, 7])
        XCTAssertEqual(bytes.count, 16 + 3 + 4)
        // CRC32 (zlib) of bytes 0 ... 18, little-endian: the same value zlib's crc32 gives.
        XCTAssertEqual(bytes.u32(at: 19), Frame.crc32(bytes[0..<19]))
        XCTAssertEqual(Frame.crc32(Array("123456789".utf8)[...]), 0xCBF4_3926) // the CRC-32/IEEE check value
    }

    func testRoundTrip() throws {
        let frame = Frame(version: 1, type: 0x8001, sequence: 7, status: 0, payload: (0..<4096).map { UInt8($0 & 0xFF) })
        XCTAssertEqual(try Frame.decode(frame.encoded()).get(), frame)
    }

    func testEveryBrokenReplyIsNamed() {
        let good = Frame(version: 1, type: 0x8002, sequence: 1, payload: [1, 2, 3, 4]).encoded()
        XCTAssertEqual(Frame.decode(Array(good.prefix(10))), .failure(.short(10)))
        XCTAssertEqual(Frame.decode(Array(good.dropLast())), .failure(.short(good.count - 1)))
        XCTAssertEqual(Frame.decode(good + [0]), .failure(.trailingBytes(good.count + 1)))
        var magic = good
        magic[0] = 0x58
        XCTAssertEqual(Frame.decode(magic), .failure(.badMagic))
        for i in 4..<good.count where !(12..<16).contains(i) {
            var flipped = good
            flipped[i] ^= 0x40
            XCTAssertEqual(Frame.decode(flipped), .failure(.badCRC), "byte \(i)")
        }
        var huge = good
        huge[13] = 0x20 // payloadLength 8196
        XCTAssertEqual(Frame.decode(huge), .failure(.payloadTooLarge(0x2004)))
    }
}
