/// A USB control request's SETUP fields (USB 2.0 section 9.3).
public struct ControlSetup: Sendable, Equatable {
    public var requestType: UInt8
    public var request: UInt8
    public var value: UInt16
    public var index: UInt16
    public var length: UInt16

    public init(requestType: UInt8, request: UInt8, value: UInt16 = 0, index: UInt16 = 0, length: UInt16 = 0) {
        self.requestType = requestType
        self.request = request
        self.value = value
        self.index = index
        self.length = length
    }

    public var isIn: Bool { requestType & 0x80 != 0 }
}

/// What went wrong on the wire, before the layers above give it a meaning.
public enum TransportError: Error, Equatable {
    case timeout
    case stall
    case disconnected
    case cancelled
    /// The device sent more than the buffer holds.
    case overflow
    case other(String)
}

/// The two pipes a board has: EP0 for control (DFU and GET_VERSION) and one pair of vendor bulk
/// endpoints for framed messages. Implementations: `LibUSBTransport` (a real or virtual board
/// through libusb) and `InMemoryTransport` (the firmware's protocol handler in this process).
/// The endpoint addresses are the implementation's business (libusb reads them from the
/// configuration descriptor).
public protocol Transport: AnyObject {
    /// A device-to-host control request; returns the data stage (at most `setup.length` bytes).
    func controlIn(_ setup: ControlSetup, timeoutMilliseconds: Int) throws -> [UInt8]
    /// A host-to-device control request with `data` as its data stage.
    func controlOut(_ setup: ControlSetup, data: [UInt8], timeoutMilliseconds: Int) throws
    /// One bulk OUT transfer on the vendor interface.
    func bulkOut(_ data: [UInt8], timeoutMilliseconds: Int) throws
    /// One bulk IN transfer of at most `maxLength` bytes (ends at a short packet).
    func bulkIn(maxLength: Int, timeoutMilliseconds: Int) throws -> [UInt8]
    /// CLEAR_FEATURE(ENDPOINT_HALT) on the bulk OUT and bulk IN endpoints.
    func clearHalts() throws
    /// The DFU interface number and its wTransferSize, from the DFU functional descriptor.
    var dfuInterface: (number: UInt16, transferSize: Int) { get }
}
