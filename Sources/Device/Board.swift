/// An opened board after the handshake: the protocol versions agree and the firmware is one
/// this host supports. Every command starts here.
public final class Board {
    /// The oldest firmware this host works with (major << 16 | minor << 8 | patch).
    public static let minimumFirmware: UInt32 = 0x0001_0000

    public let client: BoardClient
    public private(set) var info: BoardInfo

    public var transport: Transport { client.transport }
    public var dfu: DFU { DFU(client) }

    /// GET_VERSION (before any frame, so an incompatible board is refused with its range), then
    /// INFO.
    public init(_ transport: Transport, timeoutMilliseconds: Int = 2000) throws {
        client = BoardClient(transport, timeoutMilliseconds: timeoutMilliseconds)
        let range = try client.versionRange()
        guard range.contains(BoardClient.protocolVersion) else {
            throw DeviceError.unsupportedFirmware(boardRange: range, firmware: nil, host: BoardClient.protocolVersion)
        }
        info = try client.info()
        guard info.firmwareVersion >= Board.minimumFirmware else {
            throw DeviceError.firmwareTooOld(firmware: info.firmwareVersionText,
                                             minimum: "\(Board.minimumFirmware >> 16).\((Board.minimumFirmware >> 8) & 0xFF).\(Board.minimumFirmware & 0xFF)")
        }
    }

    @discardableResult
    public func refreshInfo() throws -> BoardInfo {
        info = try client.info()
        return info
    }

    /// Throws unless the board's active image is the image whose file bytes are `imageBytes`
    /// (compared by the image's own trailing SHA-256).
    public func requireActive(imageBytes: [UInt8]) throws {
        let wanted = Flasher.imageDigest(imageBytes)
        guard info.activeImageSHA256 == wanted else {
            throw DeviceError.imageNotActive(serial: info.serial, active: info.activeImageSHA256, wanted: wanted)
        }
    }
}
