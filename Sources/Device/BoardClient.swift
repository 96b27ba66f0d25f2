/// The vendor interface of docs/usb-protocol.md: one request frame out, one reply frame in,
/// sequence numbers counted up, replies checked (magic, length, CRC32, type, sequence). A broken
/// reply is asked for once more with the same frame (the board answers a retry with its last
/// reply without running the request twice); a stall is cleared and the board's last error read.
public final class BoardClient {
    /// The protocol version this host speaks.
    public static let protocolVersion = 1

    public enum Command: UInt16 {
        case info = 0x0001, status = 0x0002, reset = 0x0003
        case runBegin = 0x0010, runSteps = 0x0011, runResult = 0x0012

        var name: String {
            switch self {
            case .info: return "INFO"
            case .status: return "STATUS"
            case .reset: return "RESET"
            case .runBegin: return "RUN_BEGIN"
            case .runSteps: return "RUN_STEPS"
            case .runResult: return "RUN_RESULT"
            }
        }
    }

    public let transport: Transport
    public var timeoutMilliseconds: Int
    private var sequence: UInt16 = 0

    public init(_ transport: Transport, timeoutMilliseconds: Int = 2000) {
        self.transport = transport
        self.timeoutMilliseconds = timeoutMilliseconds
    }

    /// The vendor control request GET_VERSION: the board's protocol range, before any frame.
    public func versionRange() throws -> ClosedRange<Int> {
        let setup = ControlSetup(requestType: 0xC0, request: 0x01, value: 0, index: 0, length: 4)
        let bytes: [UInt8]
        do {
            bytes = try mapped("GET_VERSION") { try transport.controlIn(setup, timeoutMilliseconds: timeoutMilliseconds) }
        } catch DeviceError.stall {
            // A firmware that stalls GET_VERSION predates protocol 1 (or is not hm2bp's): no common version.
            throw DeviceError.unsupportedFirmware(boardRange: 0...0, firmware: "without GET_VERSION", host: BoardClient.protocolVersion)
        }
        guard bytes.count == 4 else { throw DeviceError.badReply(during: "GET_VERSION", problem: "\(bytes.count) bytes instead of 4") }
        let high = Int(bytes.u16(at: 0)), low = Int(bytes.u16(at: 2))
        guard low <= high else { throw DeviceError.badReply(during: "GET_VERSION", problem: "empty range \(low) ... \(high)") }
        return low...high
    }

    public func info() throws -> BoardInfo {
        let payload = try request(.info)
        switch BoardInfo.decode(payload) {
        case .success(let info): return info
        case .failure(let problem): throw DeviceError.badReply(during: "INFO", problem: problem.description)
        }
    }

    public func status() throws -> BoardStatus {
        let payload = try request(.status)
        guard let status = BoardStatus.decode(payload) else { throw DeviceError.badReply(during: "STATUS", problem: "\(payload.count) bytes instead of 28") }
        return status
    }

    public func reset() throws { _ = try request(.reset) }

    /// Sends `command` and returns the reply's payload; a non-zero status becomes
    /// `DeviceError.commandFailed` (or `unsupportedFirmware` for a version refusal).
    @discardableResult
    public func request(_ command: Command, payload: [UInt8] = []) throws -> [UInt8] {
        sequence &+= 1
        let frame = Frame(version: UInt16(BoardClient.protocolVersion), type: command.rawValue, sequence: sequence, payload: payload).encoded()
        var lastProblem: FrameProblem?
        for _ in 0..<2 {
            try mapped(command.name) { try transport.bulkOut(frame, timeoutMilliseconds: timeoutMilliseconds) }
            let bytes = try mapped(command.name) { try transport.bulkIn(maxLength: Frame.hostReadBuffer, timeoutMilliseconds: timeoutMilliseconds) }
            switch Frame.decode(bytes) {
            case .failure(let problem):
                lastProblem = problem
                continue
            case .success(let reply):
                guard reply.type == command.rawValue | Frame.replyBit, reply.sequence == sequence else {
                    throw DeviceError.badReply(during: command.name, problem: "reply of type 0x\(String(reply.type, radix: 16)) sequence \(reply.sequence), expected 0x\(String(command.rawValue | Frame.replyBit, radix: 16)) sequence \(sequence)")
                }
                if Int(reply.status) == ResultCode.unsupportedVersion, reply.payload.count == 4 {
                    throw DeviceError.unsupportedFirmware(boardRange: Int(reply.payload.u16(at: 2))...Int(reply.payload.u16(at: 0)), firmware: nil,
                                                          host: BoardClient.protocolVersion)
                }
                guard reply.status == 0 else {
                    throw DeviceError.commandFailed(command: command.name, code: Int(reply.status), text: ResultCode.text(Int(reply.status)))
                }
                return reply.payload
            }
        }
        throw DeviceError.badReply(during: command.name, problem: lastProblem?.description ?? "no reply")
    }

    /// Runs a transfer and gives its failure a meaning; a stall is cleared and explained by the
    /// board's STATUS. `timeout` is the transfer's, when it is not the client's.
    func mapped<T>(_ what: String, timeout: Int? = nil, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as TransportError {
            switch error {
            case .timeout: throw DeviceError.timeout(during: what, milliseconds: timeout ?? timeoutMilliseconds)
            case .disconnected: throw DeviceError.disconnected(during: what)
            case .cancelled: throw DeviceError.cancelled
            case .overflow: throw DeviceError.badReply(during: what, problem: "longer than any frame")
            case .stall:
                throw DeviceError.stall(during: what, boardError: recoverFromStall())
            case .other(let message): throw DeviceError.usb(operation: what, message: message)
            }
        }
    }

    /// Clears both halts and asks the board why it stalled; nil when that fails too.
    private func recoverFromStall() -> String? {
        guard (try? transport.clearHalts()) != nil else { return nil }
        guard let status = try? self.status(), status.lastError != 0 else { return nil }
        return ResultCode.text(status.lastError)
    }
}
