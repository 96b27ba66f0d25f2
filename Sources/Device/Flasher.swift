import Foundation
import NeuroImage

/// `hm2bp flash`: refuse what the board cannot take before sending a byte, download over DFU,
/// read back and compare, and confirm the board now runs the image.
public enum Flasher {
    public struct Report: Codable, Sendable, Equatable {
        public var serial: String
        public var target: String
        public var imageBytes: Int
        public var blocks: Int
        public var seconds: Double
        public var previousImageSHA256: String?
        public var activeImageSHA256: String
        public var activeSlot: String
        public var readBackIdentical: Bool

        public var text: String {
            String(format: "flashed %d bytes (%d DFU blocks) to %@ (%@) in %.2f s; read back: identical\nactive image: slot %@, SHA-256 %@",
                   imageBytes, blocks, serial, target, seconds, activeSlot, activeImageSHA256)
        }
    }

    /// The image's own trailing SHA-256 (docs/image-format.md: the last 32 bytes), as INFO reports it.
    public static func imageDigest(_ bytes: [UInt8]) -> String { hex(bytes.suffix(32)) }

    /// The host-side checks: the image names this board and fits its slot.
    public static func check(_ image: NeuroImage, bytes: Int, against info: BoardInfo) throws {
        let identity = image.target
        guard identity.kind == .board, identity.name == info.targetName else {
            throw DeviceError.wrongTarget(image: identity.kind == .board ? identity.name : "the emulator", board: info.targetName,
                                          detail: "target name")
        }
        guard identity.usbVendorId == info.usbVendorId, identity.usbProductId == info.usbProductId else {
            throw DeviceError.wrongTarget(image: identity.name, board: info.targetName,
                                          detail: String(format: "image USB id %04x:%04x, board %04x:%04x", identity.usbVendorId, identity.usbProductId,
                                                         info.usbVendorId, info.usbProductId))
        }
        guard identity.protocolVersion == BoardClient.protocolVersion else {
            // Made by another hm2bp: recompiling with this one (the fix wrongTarget gives) writes the protocol it speaks.
            throw DeviceError.wrongTarget(image: identity.name, board: info.targetName,
                                          detail: "image made for USB protocol \(identity.protocolVersion), this hm2bp speaks \(BoardClient.protocolVersion)")
        }
        guard (info.minProtocolVersion...info.protocolVersion).contains(identity.protocolVersion) else {
            throw DeviceError.wrongTarget(image: identity.name, board: info.targetName,
                                          detail: "image made for USB protocol \(identity.protocolVersion), board speaks \(info.minProtocolVersion) ... \(info.protocolVersion)")
        }
        guard bytes <= info.slotBytes else {
            throw DeviceError.imageTooLarge(bytes: bytes, capacity: info.slotBytes, target: info.targetName)
        }
    }

    /// Flashes `bytes` (an image file that decodes to `image`); `progress(sent, total)` after
    /// each block.
    public static func flash(_ bytes: [UInt8], image: NeuroImage, to board: Board, progress: (Int, Int) -> Void = { _, _ in }) throws -> Report {
        try check(image, bytes: bytes.count, against: board.info)
        let previous = board.info.activeImageSHA256
        let start = Date()
        do {
            try board.dfu.download(bytes) { progress($0, bytes.count) }
        } catch let DeviceError.refused(status, code, reason) {
            // The board's own checks agree with the host's on these; give them the same codes.
            switch code {
            case 0x0320, 0x0321, 0x0322, 0x0324:
                throw DeviceError.wrongTarget(image: image.target.name, board: board.info.targetName, detail: "the board says: \(reason)")
            case 0x0323:
                throw DeviceError.imageTooLarge(bytes: bytes.count, capacity: board.info.slotBytes, target: board.info.targetName)
            default:
                throw DeviceError.refused(dfuStatus: status, code: code, reason: reason)
            }
        }
        let readBack = try board.dfu.upload(limit: board.info.slotBytes)
        if readBack != bytes {
            let offset = (0..<min(readBack.count, bytes.count)).first { readBack[$0] != bytes[$0] } ?? min(readBack.count, bytes.count)
            throw DeviceError.readBackMismatch(offset: offset, sent: bytes.count, readBack: readBack.count)
        }
        let seconds = Date().timeIntervalSince(start)
        let info = try board.refreshInfo()
        let wanted = imageDigest(bytes)
        guard info.activeImageSHA256 == wanted else {
            throw DeviceError.imageNotActive(serial: info.serial, active: info.activeImageSHA256, wanted: wanted)
        }
        let transfer = board.dfu.transferSize
        return Report(serial: info.serial, target: info.targetName, imageBytes: bytes.count, blocks: (bytes.count + transfer - 1) / transfer,
                      seconds: seconds, previousImageSHA256: previous, activeImageSHA256: wanted, activeSlot: info.activeSlotName,
                      readBackIdentical: true)
    }
}
