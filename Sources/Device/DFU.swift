/// USB DFU 1.1 on the board's DFU interface (docs/usb-protocol.md, "Image transfer"): download
/// into the inactive slot block by block, manifestation (verify + commit) on the final
/// GETSTATUS, upload of the active image.
public struct DFU {
    enum Request: UInt8 { case detach = 0, download = 1, upload = 2, getStatus = 3, clearStatus = 4, getState = 5, abort = 6 }

    public enum State: Int {
        case appIdle = 0, appDetach = 1, idle = 2, downloadSync = 3, downloadBusy = 4, downloadIdle = 5
        case manifestSync = 6, manifest = 7, manifestWaitReset = 8, uploadIdle = 9, error = 10
    }

    public struct Status: Equatable {
        public var status: Int
        public var pollTimeoutMilliseconds: Int
        public var state: Int
        public var stringIndex: Int
    }

    static let statusNames = ["OK", "errTARGET", "errFILE", "errWRITE", "errERASE", "errCHECK_ERASED", "errPROG", "errVERIFY",
                              "errADDRESS", "errNOTDONE", "errFIRMWARE", "errVENDOR", "errUSBR", "errPOR", "errUNKNOWN", "errSTALLEDPKT"]
    static func statusName(_ status: Int) -> String { status >= 0 && status < statusNames.count ? statusNames[status] : "0x\(String(status, radix: 16))" }

    /// The two requests that do a whole slot's work before they complete: DFU_DNLOAD of block 0
    /// erases the inactive slot, the GETSTATUS after the last block verifies and commits the
    /// image. On a microcontroller's flash each can take seconds, so they get longer than the
    /// client's per-transfer timeout.
    public static let slowRequestTimeout = 15_000

    let client: BoardClient
    var transport: Transport { client.transport }
    var interface: UInt16 { transport.dfuInterface.number }
    public var transferSize: Int { transport.dfuInterface.transferSize }

    public init(_ client: BoardClient) { self.client = client }

    private func setup(_ request: Request, value: UInt16 = 0, length: Int = 0, into: Bool) -> ControlSetup {
        ControlSetup(requestType: into ? 0xA1 : 0x21, request: request.rawValue, value: value, index: interface, length: UInt16(length))
    }

    public func getStatus(during: String, timeout: Int? = nil) throws -> Status {
        let milliseconds = timeout ?? client.timeoutMilliseconds
        let bytes = try client.mapped(during, timeout: milliseconds) {
            try transport.controlIn(setup(.getStatus, length: 6, into: true), timeoutMilliseconds: milliseconds)
        }
        guard bytes.count == 6 else { throw DeviceError.badReply(during: "DFU_GETSTATUS", problem: "\(bytes.count) bytes instead of 6") }
        return Status(status: Int(bytes[0]), pollTimeoutMilliseconds: Int(bytes[1]) | Int(bytes[2]) << 8 | Int(bytes[3]) << 16,
                      state: Int(bytes[4]), stringIndex: Int(bytes[5]))
    }

    /// Brings the interface to dfuIDLE from whatever an earlier, interrupted session left.
    public func makeIdle() throws {
        let status = try getStatus(during: "DFU_GETSTATUS")
        if status.state == State.error.rawValue {
            try client.mapped("DFU_CLRSTATUS") { try transport.controlOut(setup(.clearStatus, into: false), data: [], timeoutMilliseconds: client.timeoutMilliseconds) }
        } else if status.state != State.idle.rawValue {
            try client.mapped("DFU_ABORT") { try transport.controlOut(setup(.abort, into: false), data: [], timeoutMilliseconds: client.timeoutMilliseconds) }
        }
        let after = try getStatus(during: "DFU_GETSTATUS")
        guard after.state == State.idle.rawValue else {
            throw DeviceError.badReply(during: "DFU_ABORT", problem: "the board stays in DFU state \(after.state), not dfuIDLE")
        }
    }

    /// Downloads `image` and waits for manifestation; `progress(bytesSent)` after every block.
    public func download(_ image: [UInt8], progress: (Int) -> Void) throws {
        try makeIdle()
        var offset = 0, block: UInt16 = 0
        while offset < image.count {
            let end = min(offset + transferSize, image.count)
            let what = "the DFU download (block \(block), bytes \(offset) ..< \(end))"
            let timeout = block == 0 ? DFU.slowRequestTimeout : client.timeoutMilliseconds
            do {
                try client.mapped(what, timeout: timeout) {
                    try transport.controlOut(setup(.download, value: block, into: false), data: Array(image[offset..<end]), timeoutMilliseconds: timeout)
                }
            } catch DeviceError.stall {
                throw try refusal(during: what, fallback: DeviceError.stall(during: what, boardError: nil))
            }
            let status = try poll(during: what)
            guard status.status == 0, status.state == State.downloadIdle.rawValue else { throw try refusal(status, during: what) }
            offset = end
            block &+= 1
            progress(offset)
        }
        let what = "manifestation (the board verifies and commits the image)"
        try client.mapped(what) { try transport.controlOut(setup(.download, value: block, into: false), data: [], timeoutMilliseconds: client.timeoutMilliseconds) }
        let status = try poll(during: what, timeout: DFU.slowRequestTimeout)
        guard status.status == 0, status.state == State.idle.rawValue else { throw try refusal(status, during: what) }
    }

    /// Reads the active image back, at most `limit` bytes.
    public func upload(limit: Int) throws -> [UInt8] {
        try makeIdle()
        var image: [UInt8] = []
        var block: UInt16 = 0
        while true {
            let what = "the DFU upload (block \(block))"
            let bytes = try client.mapped(what) {
                try transport.controlIn(setup(.upload, value: block, length: transferSize, into: true), timeoutMilliseconds: client.timeoutMilliseconds)
            }
            image += bytes
            guard image.count <= limit else { throw DeviceError.badReply(during: "the DFU upload", problem: "more than \(limit) bytes") }
            if bytes.count < transferSize { return image }
            block &+= 1
        }
    }

    /// GETSTATUS, waiting bwPollTimeout between polls while the board is busy.
    private func poll(during: String, timeout: Int? = nil) throws -> Status {
        var status = try getStatus(during: during, timeout: timeout)
        var polls = 0
        while status.state == State.downloadBusy.rawValue || status.state == State.manifest.rawValue
                || (status.state == State.downloadSync.rawValue || status.state == State.manifestSync.rawValue) {
            polls += 1
            guard polls < 1000 else { throw DeviceError.timeout(during: during, milliseconds: client.timeoutMilliseconds) }
            if status.pollTimeoutMilliseconds > 0 { usleep(UInt32(min(status.pollTimeoutMilliseconds, 1000)) * 1000) }
            status = try getStatus(during: during, timeout: timeout)
        }
        return status
    }

    /// The board's refusal as an error carrying its result code (STATUS.lastError) and words;
    /// the flasher turns wrong-target and too-large codes into their own errors.
    private func refusal(_ status: Status? = nil, during: String, fallback: DeviceError? = nil) throws -> DeviceError {
        let current = try status ?? getStatus(during: during)
        guard current.status != 0 else {
            return fallback ?? .badReply(during: during, problem: "the board is in DFU state \(current.state) with status OK")
        }
        let code = (try? client.status().lastError) ?? 0
        try? makeIdle()
        return .refused(dfuStatus: current.status, code: code, reason: code != 0 ? ResultCode.text(code) : DFU.statusName(current.status))
    }
}

#if canImport(Glibc)
import Glibc
#endif
