import NeuroImage
import SpikeModel

/// One sample on the board (RUN_BEGIN, RUN_STEPS in frames of as many steps as fit, RUN_RESULT),
/// with the counters docs/golden-format.md names and, when traced, every core's spikes.
public struct BoardSampleResult: Sendable, Equatable {
    public var outputCounts: [Int32]
    public var saturationsPerLayer: [Int]
    public var droppedSpikesPerRouter: [Int]
    /// Per core, its local neurons' spikes (trace runs only).
    public var coreSpikes: [SpikeRaster]?

    /// Argmax of the output counts, ties to the lowest index (as the emulator).
    public var prediction: Int {
        var best = 0
        for (i, count) in outputCounts.enumerated() where count > outputCounts[best] { best = i }
        return best
    }
}

public final class BoardRunner {
    let board: Board
    let coreNeurons: [Int]
    let info: BoardInfo

    /// `image` is the board's active image (checked by the caller with `requireActive`); its
    /// cores give the layout of the trace bitmaps.
    public init(board: Board, image: NeuroImage) throws {
        self.board = board
        info = board.info
        coreNeurons = image.cores.map(\.neuronCount)
        guard info.activeSlot != nil else { throw DeviceError.commandFailed(command: "RUN_BEGIN", code: ResultCode.noImage, text: ResultCode.text(ResultCode.noImage)) }
        guard info.timeSteps == image.timeSteps, info.inputCount == image.inputCount, info.outputCount == image.outputCount,
              info.coreCount == image.cores.count,
              info.traceBytesPerStep == coreNeurons.reduce(0, { $0 + ($1 + 7) / 8 })
        else {
            throw DeviceError.badReply(during: "INFO", problem: "the board's image shape (T \(info.timeSteps), \(info.inputCount) inputs, \(info.coreCount) cores) is not the image's")
        }
    }

    /// Steps per RUN_STEPS frame: the request and (traced) reply payloads stay within 4096
    /// bytes with their 8-byte step header.
    func stepsPerFrame(trace: Bool) -> Int {
        let room = Frame.maxPayload - 8
        var steps = room / max(info.inputBytesPerStep, 1)
        if trace { steps = min(steps, room / max(info.traceBytesPerStep, 1)) }
        return max(1, min(steps, info.timeSteps))
    }

    public func run(_ input: SpikeRaster, trace: Bool) throws -> BoardSampleResult {
        let steps = info.timeSteps
        guard input.neuronCount == info.inputCount, input.timeSteps == steps else {
            throw DeviceError.commandFailed(command: "RUN_STEPS", code: 0x0202, text: "input raster \(input.neuronCount) x \(input.timeSteps), board image \(info.inputCount) x \(steps)")
        }
        var begin: [UInt8] = []
        begin.appendLE(UInt32(trace ? 1 : 0))
        begin.appendLE(UInt32(steps))
        try board.client.request(.runBegin, payload: begin)

        var rasters = trace ? coreNeurons.map { SpikeRaster(neuronCount: $0, timeSteps: steps) } : []
        let perFrame = stepsPerFrame(trace: trace)
        let inputBytes = info.inputBytesPerStep
        var first = 0
        while first < steps {
            let count = min(perFrame, steps - first)
            var payload: [UInt8] = []
            payload.reserveCapacity(8 + count * inputBytes)
            payload.appendLE(UInt32(first))
            payload.appendLE(UInt32(count))
            for t in first..<(first + count) {
                var bitmap = [UInt8](repeating: 0, count: inputBytes)
                for i in input.firing(at: t) { bitmap[Int(i) >> 3] |= 1 << UInt8(Int(i) & 7) }
                payload += bitmap
            }
            let reply = try board.client.request(.runSteps, payload: payload)
            let expected = 8 + (trace ? count * info.traceBytesPerStep : 0)
            guard reply.count == expected, Int(reply.u32(at: 0)) == first, Int(reply.u32(at: 4)) == count else {
                throw DeviceError.badReply(during: "RUN_STEPS", problem: "\(reply.count) bytes for steps \(first) ..< \(first + count), expected \(expected)")
            }
            if trace { decodeTrace(reply, steps: count, into: &rasters) }
            first += count
        }
        let result = try board.client.request(.runResult)
        var parsed = try BoardRunner.parseResult(result, timeSteps: steps, outputCount: info.outputCount)
        if trace { parsed.coreSpikes = rasters }
        return parsed
    }

    private func decodeTrace(_ reply: [UInt8], steps: Int, into rasters: inout [SpikeRaster]) {
        var at = 8
        for _ in 0..<steps {
            for (c, neurons) in coreNeurons.enumerated() {
                var firing: [Int32] = []
                for k in 0..<neurons where reply[at + k >> 3] & (1 << UInt8(k & 7)) != 0 { firing.append(Int32(k)) }
                rasters[c].appendStep(firing)
                at += (neurons + 7) / 8
            }
        }
    }

    static func parseResult(_ p: [UInt8], timeSteps: Int, outputCount: Int) throws -> BoardSampleResult {
        func fail(_ why: String) -> DeviceError { .badReply(during: "RUN_RESULT", problem: why) }
        var at = 0
        func u32() throws -> Int {
            guard at + 4 <= p.count else { throw fail("cut short at byte \(at) of \(p.count)") }
            defer { at += 4 }
            return Int(p.u32(at: at))
        }
        guard try u32() == timeSteps else { throw fail("timeSteps differs from the image's") }
        guard try u32() == outputCount else { throw fail("outputCount differs from the image's") }
        let counts = try (0..<outputCount).map { _ in Int32(clamping: try u32()) }
        let layers = try u32()
        guard layers <= 4096 else { throw fail("\(layers) layers") }
        let saturations = try (0..<layers).map { _ in try u32() }
        let routers = try u32()
        guard routers <= 65537 else { throw fail("\(routers) routers") }
        let dropped = try (0..<routers).map { _ in try u32() }
        guard at == p.count else { throw fail("\(p.count - at) bytes past the counters") }
        return BoardSampleResult(outputCounts: counts, saturationsPerLayer: saturations, droppedSpikesPerRouter: dropped, coreSpikes: nil)
    }
}
