import CLibUSB
import Foundation

/// One libusb context: enumeration of attached hm2bp boards. Boards are recognised by the
/// vendor:product ids of the board profiles (`BoardProfiles`).
public final class LibUSB {
    let context: OpaquePointer

    public init() throws {
        var context: OpaquePointer?
        let result = libusb_init(&context)
        guard result == 0, let context else { throw DeviceError.usb(operation: "libusb_init", message: LibUSB.errorName(result)) }
        self.context = context
    }

    deinit { libusb_exit(context) }

    static func errorName(_ code: Int32) -> String { String(cString: libusb_strerror(code)) }

    /// A board seen on the bus; `serial` is nil when the device could not be opened to read it
    /// (`openError` says why).
    public struct Attached: Sendable {
        public var bus: Int
        public var address: Int
        public var vendorId: Int
        public var productId: Int
        public var profile: BoardProfile
        public var serial: String?
        public var openError: DeviceError?

        public var node: String { String(format: "/dev/bus/usb/%03d/%03d", bus, address) }
    }

    /// Every attached device whose ids match a board profile, in bus/address order.
    public func attachedBoards(profiles: [BoardProfile]) throws -> [Attached] {
        var list: UnsafeMutablePointer<OpaquePointer?>?
        let count = libusb_get_device_list(context, &list)
        guard count >= 0, let list else { throw DeviceError.usb(operation: "libusb_get_device_list", message: LibUSB.errorName(Int32(count))) }
        defer { libusb_free_device_list(list, 1) }
        var boards: [Attached] = []
        for i in 0..<Int(count) {
            guard let device = list[i] else { continue }
            var descriptor = libusb_device_descriptor()
            guard libusb_get_device_descriptor(device, &descriptor) == 0,
                  let profile = profiles.first(where: { $0.vendorId == Int(descriptor.idVendor) && $0.productId == Int(descriptor.idProduct) })
            else { continue }
            var board = Attached(bus: Int(libusb_get_bus_number(device)), address: Int(libusb_get_device_address(device)),
                                 vendorId: Int(descriptor.idVendor), productId: Int(descriptor.idProduct), profile: profile)
            var handle: OpaquePointer?
            let opened = libusb_open(device, &handle)
            if opened == 0, let handle {
                switch LibUSB.string(handle, index: descriptor.iSerialNumber) {
                case .success(let serial): board.serial = serial
                case .failure(let code):
                    board.openError = code.code == Int32(LIBUSB_ERROR_TIMEOUT.rawValue)
                        ? .timeout(during: "reading the serial number", milliseconds: 1000)
                        : code.code == Int32(LIBUSB_ERROR_PIPE.rawValue) ? .stall(during: "reading the serial number", boardError: nil)
                        : code.code == Int32(LIBUSB_ERROR_NO_DEVICE.rawValue) ? .disconnected(during: "reading the serial number")
                        : .badReply(during: "reading the serial number", problem: LibUSB.errorName(code.code))
                }
                libusb_close(handle)
            } else {
                board.openError = LibUSB.openError(opened, node: board.node)
            }
            boards.append(board)
        }
        return boards.sorted { ($0.bus, $0.address) < ($1.bus, $1.address) }
    }

    /// Opens the board with `serial`, or the only board when `serial` is nil.
    public func open(serial: String?, profiles: [BoardProfile], timeoutMilliseconds: Int = LibUSBTransport.defaultTimeout) throws -> LibUSBTransport {
        let boards = try attachedBoards(profiles: profiles)
        let chosen: Attached
        if let serial {
            guard let match = boards.first(where: { $0.serial == serial }) else {
                if let unreadable = boards.first(where: { $0.openError != nil })?.openError { throw unreadable }
                throw DeviceError.noDevice(wanted: serial, present: boards.compactMap(\.serial))
            }
            chosen = match
        } else {
            guard let only = boards.first else { throw DeviceError.noDevice(wanted: nil, present: []) }
            guard boards.count == 1 else { throw DeviceError.severalBoards(serials: boards.map { $0.serial ?? $0.node }) }
            chosen = only
        }
        if let error = chosen.openError { throw error }
        return try LibUSBTransport(context: self, bus: chosen.bus, address: chosen.address, attached: chosen)
    }

    static func openError(_ code: Int32, node: String) -> DeviceError {
        switch code {
        case Int32(LIBUSB_ERROR_ACCESS.rawValue): return .permissionDenied(node: node)
        case Int32(LIBUSB_ERROR_NO_DEVICE.rawValue): return .disconnected(during: "open")
        case Int32(LIBUSB_ERROR_BUSY.rawValue): return .interfaceBusy(serial: node)
        default: return .usb(operation: "libusb_open \(node)", message: errorName(code))
        }
    }

    struct ErrorCode: Error { var code: Int32 }

    /// An ASCII string descriptor, or the libusb error that kept it (a board always has a serial).
    static func string(_ handle: OpaquePointer, index: UInt8) -> Result<String, ErrorCode> {
        guard index != 0 else { return .failure(ErrorCode(code: Int32(LIBUSB_ERROR_NOT_FOUND.rawValue))) }
        var buffer = [UInt8](repeating: 0, count: 256)
        let length = libusb_get_string_descriptor_ascii(handle, index, &buffer, Int32(buffer.count))
        guard length > 0 else { return .failure(ErrorCode(code: length == 0 ? Int32(LIBUSB_ERROR_NOT_FOUND.rawValue) : length)) }
        return .success(String(decoding: buffer[0..<Int(length)], as: UTF8.self))
    }
}
