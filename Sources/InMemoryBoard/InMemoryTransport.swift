import CVirtualBoard
import Device

/// The firmware's protocol handler in this process (the same C the virtual board and a real
/// board run), behind `Transport`: fast, deterministic tests of everything above the wire. A
/// transfer the board does not answer at once would never be answered (calls are synchronous),
/// so it is reported as a timeout.
public final class InMemoryTransport: Transport {
    private let board: OpaquePointer
    private let bulkOut: UInt8
    private let bulkIn: UInt8
    private let maxPacket: Int
    public let dfuInterface: (number: UInt16, transferSize: Int)

    public struct SetupError: Error, CustomStringConvertible {
        public var description: String
    }

    /// A board of profile `target` (read from `targetsDirectory/target.json`) with an empty store.
    public init(target: String, targetsDirectory: String, serial: String = "IN-MEMORY") throws {
        let made = target.withCString { t in
            targetsDirectory.withCString { d in
                serial.withCString { s in
                    var config = vb_board_config(target: t, targets_dir: d, serial: s, flash_file: nil, firmware_version: 0, protocol_version: 0)
                    return vb_board_new(&config)
                }
            }
        }
        guard let made else { throw SetupError(description: "cannot make an in-memory \(target) from \(targetsDirectory)") }
        board = made
        var descriptors = [UInt8](repeating: 0, count: 1024)
        let length = vb_board_descriptors(made, &descriptors, descriptors.count)
        let layout = InMemoryTransport.layout(Array(descriptors[0..<length]))
        guard let layout else {
            vb_board_free(made)
            throw SetupError(description: "the firmware's descriptors have no vendor bulk pair or DFU interface")
        }
        (bulkOut, bulkIn, maxPacket, dfuInterface) = layout
    }

    deinit { vb_board_free(board) }

    /// Bulk endpoints and the DFU interface from the configuration descriptor, as a host reads them.
    static func layout(_ d: [UInt8]) -> (UInt8, UInt8, Int, (number: UInt16, transferSize: Int))? {
        var out: UInt8?, inEndpoint: UInt8?, packet = 0, dfu: (UInt16, Int)?
        var at = 18, interfaceClass: UInt8 = 0, interfaceNumber: UInt8 = 0
        while at + 2 <= d.count, d[at] >= 2 {
            switch d[at + 1] {
            case 4: interfaceNumber = d[at + 2]; interfaceClass = d[at + 5]
            case 5 where interfaceClass == 0xFF && d[at + 3] & 3 == 2:
                if d[at + 2] & 0x80 != 0 { inEndpoint = d[at + 2] } else { out = d[at + 2] }
                packet = Int(d[at + 4]) | Int(d[at + 5]) << 8
            case 0x21 where interfaceClass == 0xFE: dfu = (UInt16(interfaceNumber), Int(d[at + 5]) | Int(d[at + 6]) << 8)
            default: break
            }
            at += Int(d[at])
        }
        guard let out, let inEndpoint, let dfu, packet > 0 else { return nil }
        return (out, inEndpoint, packet, (number: dfu.0, transferSize: dfu.1))
    }

    private func setupBytes(_ s: ControlSetup) -> [UInt8] {
        [s.requestType, s.request, UInt8(s.value & 0xFF), UInt8(s.value >> 8), UInt8(s.index & 0xFF), UInt8(s.index >> 8),
         UInt8(s.length & 0xFF), UInt8(s.length >> 8)]
    }

    public func controlIn(_ setup: ControlSetup, timeoutMilliseconds: Int) throws -> [UInt8] {
        var data = [UInt8](repeating: 0, count: Int(setup.length))
        let n = vb_board_control(board, setupBytes(setup), &data, setup.length)
        if n == VB_STALL { throw TransportError.stall }
        return Array(data[0..<Int(n)])
    }

    public func controlOut(_ setup: ControlSetup, data: [UInt8], timeoutMilliseconds: Int) throws {
        var fixed = setup
        fixed.length = UInt16(data.count)
        var copy = data
        if vb_board_control(board, setupBytes(fixed), &copy, fixed.length) == VB_STALL { throw TransportError.stall }
    }

    public func bulkOut(_ data: [UInt8], timeoutMilliseconds: Int) throws {
        var at = 0
        repeat {
            let n = min(maxPacket, data.count - at)
            let result = data.withUnsafeBufferPointer { vb_board_bulk_out(board, bulkOut, $0.baseAddress.map { $0 + at }, n) }
            if result == VB_STALL { throw TransportError.stall }
            at += n
            if n < maxPacket { break }
        } while at < data.count
    }

    public func bulkIn(maxLength: Int, timeoutMilliseconds: Int) throws -> [UInt8] {
        var reply: [UInt8] = []
        var packet = [UInt8](repeating: 0, count: maxPacket)
        while reply.count < maxLength {
            let n = vb_board_bulk_in(board, bulkIn, &packet, packet.count)
            if n == VB_STALL { throw TransportError.stall }
            if n == VB_NAK { if reply.isEmpty { throw TransportError.timeout }; break }
            guard reply.count + Int(n) <= maxLength else { throw TransportError.overflow }
            reply += packet[0..<Int(n)]
            if n < maxPacket { break }
        }
        return reply
    }

    public func clearHalts() throws {
        vb_board_clear_halt(board, bulkOut)
        vb_board_clear_halt(board, bulkIn)
    }
}
