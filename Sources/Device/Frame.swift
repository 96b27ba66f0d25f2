import SystemZlib

/// The framed messages of the vendor bulk interface (docs/usb-protocol.md, "Frames"):
/// `HBPF`, u16 version, u16 type, u16 sequence, u16 status, u32 payloadLength, payload, CRC32.
public struct Frame: Sendable, Equatable {
    public static let magic: [UInt8] = Array("HBPF".utf8)
    public static let headerBytes = 16
    public static let crcBytes = 4
    public static let maxPayload = 4096
    /// A reply is read with this buffer: a multiple of 64 larger than any frame.
    public static let hostReadBuffer = 4160
    public static let replyBit: UInt16 = 0x8000

    public var version: UInt16
    public var type: UInt16
    public var sequence: UInt16
    public var status: UInt16
    public var payload: [UInt8]

    public init(version: UInt16, type: UInt16, sequence: UInt16, status: UInt16 = 0, payload: [UInt8] = []) {
        self.version = version
        self.type = type
        self.sequence = sequence
        self.status = status
        self.payload = payload
    }

    public func encoded() -> [UInt8] {
        var bytes = Frame.magic
        bytes.reserveCapacity(Frame.headerBytes + payload.count + Frame.crcBytes)
        bytes.appendLE(version)
        bytes.appendLE(type)
        bytes.appendLE(sequence)
        bytes.appendLE(status)
        bytes.appendLE(UInt32(payload.count))
        bytes += payload
        bytes.appendLE(Frame.crc32(bytes[...]))
        return bytes
    }

    /// Decodes exactly one frame; `problem` names the first check that fails.
    public static func decode(_ bytes: [UInt8]) -> Result<Frame, FrameProblem> {
        guard bytes.count >= headerBytes + crcBytes else { return .failure(.short(bytes.count)) }
        guard Array(bytes[0..<4]) == magic else { return .failure(.badMagic) }
        let length = Int(bytes.u32(at: 12))
        guard length <= maxPayload else { return .failure(.payloadTooLarge(length)) }
        guard bytes.count == headerBytes + length + crcBytes else {
            return bytes.count < headerBytes + length + crcBytes ? .failure(.short(bytes.count)) : .failure(.trailingBytes(bytes.count))
        }
        let crc = bytes.u32(at: headerBytes + length)
        guard crc == crc32(bytes[0..<(headerBytes + length)]) else { return .failure(.badCRC) }
        return .success(Frame(version: bytes.u16(at: 4), type: bytes.u16(at: 6), sequence: bytes.u16(at: 8), status: bytes.u16(at: 10),
                              payload: Array(bytes[headerBytes..<(headerBytes + length)])))
    }

    static func crc32(_ bytes: ArraySlice<UInt8>) -> UInt32 {
        bytes.withUnsafeBufferPointer { UInt32(SystemZlib.crc32(0, $0.baseAddress, uInt($0.count))) }
    }
}

public enum FrameProblem: Error, Equatable, CustomStringConvertible {
    case short(Int)
    case badMagic
    case payloadTooLarge(Int)
    case trailingBytes(Int)
    case badCRC

    public var description: String {
        switch self {
        case let .short(n): return "cut short (\(n) bytes, less than its header says)"
        case .badMagic: return "it does not start with HBPF"
        case let .payloadTooLarge(n): return "payload length \(n) above 4096"
        case let .trailingBytes(n): return "\(n) bytes, more than its header says"
        case .badCRC: return "CRC32 mismatch (corrupted on the way)"
        }
    }
}

extension Array where Element == UInt8 {
    mutating func appendLE(_ value: UInt16) { append(UInt8(value & 0xFF)); append(UInt8(value >> 8)) }
    mutating func appendLE(_ value: UInt32) { for shift in stride(from: 0, to: 32, by: 8) { append(UInt8((value >> UInt32(shift)) & 0xFF)) } }

    func u16(at offset: Int) -> UInt16 { UInt16(self[offset]) | UInt16(self[offset + 1]) << 8 }
    func u32(at offset: Int) -> UInt32 {
        UInt32(self[offset]) | UInt32(self[offset + 1]) << 8 | UInt32(self[offset + 2]) << 16 | UInt32(self[offset + 3]) << 24
    }
}
