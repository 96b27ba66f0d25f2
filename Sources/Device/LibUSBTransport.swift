import CLibUSB
import Foundation

/// A board through libusb: the vendor interface's bulk endpoints and the DFU interface, both
/// found in the active configuration descriptor (a device controller picks endpoint numbers, so
/// they are never assumed). Transfers are asynchronous underneath so that a timeout or a
/// cancellation (Ctrl-C, `cancellationRequested`) ends them cleanly.
public final class LibUSBTransport: Transport {
    /// Per-transfer timeout; every board request completes well within it (docs/loader.md).
    public static let defaultTimeout = 2000

    public let attached: LibUSB.Attached
    private let usb: LibUSB
    private let handle: OpaquePointer
    private let bulkOutEndpoint: UInt8
    private let bulkInEndpoint: UInt8
    private let vendorInterface: Int32
    public let dfuInterface: (number: UInt16, transferSize: Int)
    private var claimed: [Int32] = []

    /// Polled while a transfer waits; true cancels it (set from a SIGINT handler, for example).
    public var cancellationRequested: () -> Bool = { false }

    init(context usb: LibUSB, bus: Int, address: Int, attached: LibUSB.Attached) throws {
        self.usb = usb
        self.attached = attached
        guard let device = LibUSBTransport.find(usb, bus: bus, address: address) else {
            throw DeviceError.disconnected(during: "open")
        }
        defer { libusb_unref_device(device) }
        var handle: OpaquePointer?
        let opened = libusb_open(device, &handle)
        guard opened == 0, let handle else { throw LibUSB.openError(opened, node: attached.node) }
        self.handle = handle
        do {
            let layout = try LibUSBTransport.readLayout(device)
            bulkOutEndpoint = layout.bulkOut
            bulkInEndpoint = layout.bulkIn
            vendorInterface = layout.vendorInterface
            dfuInterface = (UInt16(layout.dfuInterface), layout.transferSize)
        } catch {
            libusb_close(handle)
            throw error
        }
        for interface in [vendorInterface, Int32(dfuInterface.number)] {
            let result = libusb_claim_interface(handle, interface)
            guard result == 0 else {
                // Every stored property is set, so deinit runs: it releases what was claimed and closes.
                if result == Int32(LIBUSB_ERROR_BUSY.rawValue) { throw DeviceError.interfaceBusy(serial: attached.serial ?? attached.node) }
                if result == Int32(LIBUSB_ERROR_NO_DEVICE.rawValue) { throw DeviceError.disconnected(during: "claiming the interfaces") }
                if result == Int32(LIBUSB_ERROR_ACCESS.rawValue) { throw DeviceError.permissionDenied(node: attached.node) }
                throw DeviceError.usb(operation: "libusb_claim_interface", message: LibUSB.errorName(result))
            }
            claimed.append(interface)
        }
    }

    deinit {
        for interface in claimed { libusb_release_interface(handle, interface) }
        libusb_close(handle)
    }

    private static func find(_ usb: LibUSB, bus: Int, address: Int) -> OpaquePointer? {
        var list: UnsafeMutablePointer<OpaquePointer?>?
        let count = libusb_get_device_list(usb.context, &list)
        guard count >= 0, let list else { return nil }
        defer { libusb_free_device_list(list, 1) }
        for i in 0..<Int(count) {
            if let device = list[i], Int(libusb_get_bus_number(device)) == bus, Int(libusb_get_device_address(device)) == address {
                return libusb_ref_device(device)
            }
        }
        return nil
    }

    struct Layout {
        var vendorInterface: Int32
        var bulkOut: UInt8
        var bulkIn: UInt8
        var dfuInterface: Int32
        var transferSize: Int
    }

    /// The vendor interface (class 0xFF) with one bulk endpoint each way, and the DFU interface
    /// (class 0xFE, subclass 0x01) with its functional descriptor (type 0x21).
    static func readLayout(_ device: OpaquePointer) throws -> Layout {
        var config: UnsafeMutablePointer<libusb_config_descriptor>?
        let result = libusb_get_active_config_descriptor(device, &config)
        guard result == 0, let config else {
            throw DeviceError.badReply(during: "reading the configuration descriptor", problem: LibUSB.errorName(result))
        }
        defer { libusb_free_config_descriptor(config) }
        var vendor: (Int32, UInt8, UInt8)?
        var dfu: (Int32, Int)?
        for i in 0..<Int(config.pointee.bNumInterfaces) {
            let interface = config.pointee.interface[i]
            guard interface.num_altsetting > 0 else { continue }
            let setting = interface.altsetting[0]
            if setting.bInterfaceClass == 0xFF {
                var out: UInt8?, inEndpoint: UInt8?
                for e in 0..<Int(setting.bNumEndpoints) {
                    let endpoint = setting.endpoint[e]
                    guard endpoint.bmAttributes & 0x03 == UInt8(LIBUSB_TRANSFER_TYPE_BULK.rawValue) else { continue }
                    if endpoint.bEndpointAddress & 0x80 != 0 { inEndpoint = endpoint.bEndpointAddress } else { out = endpoint.bEndpointAddress }
                }
                if let out, let inEndpoint { vendor = (Int32(setting.bInterfaceNumber), out, inEndpoint) }
            } else if setting.bInterfaceClass == 0xFE && setting.bInterfaceSubClass == 0x01 {
                var transferSize = 0
                if let extra = setting.extra, setting.extra_length >= 9 {
                    let bytes = UnsafeBufferPointer(start: extra, count: Int(setting.extra_length))
                    var at = 0
                    while at + 9 <= bytes.count, bytes[at] >= 2 {
                        if bytes[at + 1] == 0x21 { transferSize = Int(bytes[at + 5]) | Int(bytes[at + 6]) << 8 }
                        at += Int(bytes[at])
                    }
                }
                dfu = (Int32(setting.bInterfaceNumber), transferSize)
            }
        }
        guard let vendor else { throw DeviceError.badReply(during: "reading the configuration descriptor", problem: "no vendor interface with a bulk endpoint pair") }
        guard let dfu, dfu.1 > 0 else { throw DeviceError.badReply(during: "reading the configuration descriptor", problem: "no DFU interface with a functional descriptor") }
        return Layout(vendorInterface: vendor.0, bulkOut: vendor.1, bulkIn: vendor.2, dfuInterface: dfu.0, transferSize: dfu.1)
    }

    // MARK: Transport

    public func controlIn(_ setup: ControlSetup, timeoutMilliseconds: Int) throws -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: 8 + Int(setup.length))
        LibUSBTransport.fillSetup(&buffer, setup)
        let actual = try transfer(type: UInt8(LIBUSB_TRANSFER_TYPE_CONTROL.rawValue), endpoint: 0, buffer: &buffer, timeout: timeoutMilliseconds)
        return Array(buffer[8..<(8 + min(actual, Int(setup.length)))])
    }

    public func controlOut(_ setup: ControlSetup, data: [UInt8], timeoutMilliseconds: Int) throws {
        var buffer = [UInt8](repeating: 0, count: 8) + data
        var fixed = setup
        fixed.length = UInt16(data.count)
        LibUSBTransport.fillSetup(&buffer, fixed)
        _ = try transfer(type: UInt8(LIBUSB_TRANSFER_TYPE_CONTROL.rawValue), endpoint: 0, buffer: &buffer, timeout: timeoutMilliseconds)
    }

    public func bulkOut(_ data: [UInt8], timeoutMilliseconds: Int) throws {
        var buffer = data
        let sent = try transfer(type: UInt8(LIBUSB_TRANSFER_TYPE_BULK.rawValue), endpoint: bulkOutEndpoint, buffer: &buffer, timeout: timeoutMilliseconds)
        guard sent == data.count else { throw TransportError.other("bulk OUT sent \(sent) of \(data.count) bytes") }
    }

    public func bulkIn(maxLength: Int, timeoutMilliseconds: Int) throws -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: maxLength)
        let received = try transfer(type: UInt8(LIBUSB_TRANSFER_TYPE_BULK.rawValue), endpoint: bulkInEndpoint, buffer: &buffer, timeout: timeoutMilliseconds)
        return Array(buffer[0..<received])
    }

    public func clearHalts() throws {
        for endpoint in [bulkOutEndpoint, bulkInEndpoint] {
            let result = libusb_clear_halt(handle, endpoint)
            if result == Int32(LIBUSB_ERROR_NO_DEVICE.rawValue) { throw TransportError.disconnected }
            if result != 0 { throw TransportError.other("clear halt on 0x\(String(endpoint, radix: 16)): \(LibUSB.errorName(result))") }
        }
    }

    private static func fillSetup(_ buffer: inout [UInt8], _ setup: ControlSetup) {
        buffer[0] = setup.requestType
        buffer[1] = setup.request
        buffer[2] = UInt8(setup.value & 0xFF); buffer[3] = UInt8(setup.value >> 8)
        buffer[4] = UInt8(setup.index & 0xFF); buffer[5] = UInt8(setup.index >> 8)
        buffer[6] = UInt8(setup.length & 0xFF); buffer[7] = UInt8(setup.length >> 8)
    }

    /// Submits one transfer and runs libusb's event loop until it completes, times out (libusb
    /// cancels it at `timeout`) or is cancelled here; returns the bytes transferred.
    private func transfer(type: UInt8, endpoint: UInt8, buffer: inout [UInt8], timeout: Int) throws -> Int {
        guard let transfer = libusb_alloc_transfer(0) else { throw TransportError.other("libusb_alloc_transfer failed") }
        defer { libusb_free_transfer(transfer) }
        let completed = UnsafeMutablePointer<Int32>.allocate(capacity: 1)
        completed.pointee = 0
        defer { completed.deallocate() }
        return try buffer.withUnsafeMutableBufferPointer { bytes -> Int in
            transfer.pointee.dev_handle = handle
            transfer.pointee.endpoint = endpoint
            transfer.pointee.type = type
            transfer.pointee.timeout = UInt32(timeout)
            transfer.pointee.buffer = bytes.baseAddress
            transfer.pointee.length = Int32(bytes.count)
            transfer.pointee.user_data = UnsafeMutableRawPointer(completed)
            transfer.pointee.callback = { transfer in
                transfer?.pointee.user_data.assumingMemoryBound(to: Int32.self).pointee = 1
            }
            let submitted = libusb_submit_transfer(transfer)
            if submitted == Int32(LIBUSB_ERROR_NO_DEVICE.rawValue) { throw TransportError.disconnected }
            if submitted == Int32(LIBUSB_ERROR_PIPE.rawValue) { throw TransportError.stall }
            guard submitted == 0 else { throw TransportError.other("libusb_submit_transfer: \(LibUSB.errorName(submitted))") }
            var cancelling = false
            while completed.pointee == 0 {
                var wait = timeval(tv_sec: 0, tv_usec: 50_000)
                let result = libusb_handle_events_timeout_completed(usb.context, &wait, completed)
                if !cancelling && (cancellationRequested() || (result < 0 && result != Int32(LIBUSB_ERROR_INTERRUPTED.rawValue))) {
                    cancelling = true
                    libusb_cancel_transfer(transfer)
                }
            }
            let actual = Int(transfer.pointee.actual_length)
            switch transfer.pointee.status {
            case LIBUSB_TRANSFER_COMPLETED: return actual
            case LIBUSB_TRANSFER_TIMED_OUT: throw TransportError.timeout
            case LIBUSB_TRANSFER_STALL: throw TransportError.stall
            case LIBUSB_TRANSFER_NO_DEVICE: throw TransportError.disconnected
            case LIBUSB_TRANSFER_CANCELLED: throw TransportError.cancelled
            case LIBUSB_TRANSFER_OVERFLOW: throw TransportError.overflow
            default: throw TransportError.other("transfer failed (status \(transfer.pointee.status.rawValue))")
            }
        }
    }
}
