import Foundation
import SpikeModel
import StrictJSON

/// Everything needed to continue a training run exactly where an epoch ended: the current and
/// best networks, Adam's moments and step, the sample order, boost weights and the shuffle RNG.
///
/// File layout (little-endian): magic "HM2BPCKP", u32 version, u32 JSON length, JSON state,
/// u32 + bytes of the current model file, u32 + bytes of the best model file, then Adam's first
/// and second moments of every layer as float32, then a CRC32 of everything before it.
public struct TrainingCheckpoint: Sendable {
    public struct State: Codable, Sendable {
        public var epochsCompleted: Int
        public var adamStep: Int
        public var order: [Int]
        public var boostWeights: [Float]
        public var shuffleState: UInt64
        public var history: [EpochRecord]
        /// The best accuracy so far on the selection set (validation or test, `selection`).
        public var bestTestAccuracy: Double
        public var config: TrainingConfig
        /// nil in checkpoints written before validation existed: those selected on the test set.
        public var selection: BestEpochSelection?
    }

    public var state: State
    public var current: Model
    public var best: Model
    /// Per layer with weights (convolutions, then fully connected): (first moments, second moments).
    public var adamMoments: [([Float], [Float])]

    static let magic = Array("HM2BPCKP".utf8)
    static let version: UInt32 = 1

    public func encode() throws -> [UInt8] {
        var bytes = Self.magic
        func u32(_ value: Int) { withUnsafeBytes(of: UInt32(value).littleEndian) { bytes += $0 } }
        let json = Array(try JSONEncoder().encode(state))
        u32(Int(Self.version))
        u32(json.count)
        bytes += json
        for model in [current, best] {
            let encoded = try ModelFile.encode(model)
            u32(encoded.count)
            bytes += encoded
        }
        for (first, second) in adamMoments {
            for array in [first, second] { array.withUnsafeBytes { bytes += $0 } }
        }
        withUnsafeBytes(of: crc32Of(bytes[...]).littleEndian) { bytes += $0 }
        return bytes
    }

    public static func decode(_ bytes: [UInt8], path: String) throws -> TrainingCheckpoint {
        func fail(_ reason: String) -> ModelError { .invalidFile(path: path, reason: reason) }
        guard bytes.count >= 20 else { throw fail("truncated: \(bytes.count) bytes is shorter than the smallest checkpoint") }
        guard Array(bytes[0..<8]) == magic else {
            throw fail(FileKind.misnamed(bytes, expected: "an hm2bp training checkpoint", magic: "HM2BPCKP"))
        }
        var offset = 8
        func u32() throws -> Int {
            guard offset + 4 <= bytes.count else { throw fail("truncated checkpoint") }
            let value = bytes[offset..<(offset + 4)].enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
            offset += 4
            return value
        }
        func take(_ count: Int) throws -> ArraySlice<UInt8> {
            guard count >= 0, offset + count <= bytes.count - 4 else { throw fail("truncated checkpoint") }
            defer { offset += count }
            return bytes[offset..<(offset + count)]
        }
        let crc = bytes[(bytes.count - 4)...].enumerated().reduce(UInt32(0)) { $0 | UInt32($1.element) << (8 * $1.offset) }
        guard crc32Of(bytes[0..<(bytes.count - 4)]) == crc else { throw fail("damaged checkpoint: CRC32 mismatch") }
        let version = try u32()
        guard version == Int(Self.version) else { throw fail("checkpoint version \(version) is not supported (expected \(Self.version))") }
        let state: State
        do {
            state = try StrictJSON.decode(State.self, from: Array(try take(try u32())))
        } catch let error as JSONFieldError {
            throw fail("state \(error)")
        }
        let current = try ModelFile.decode(Array(try take(try u32())), path: path + " (current model)")
        let best = try ModelFile.decode(Array(try take(try u32())), path: path + " (best model)")
        if let problem = state.firstProblem() { throw fail(problem) }
        guard best.network.architecture == current.network.architecture, best.network.constants == current.network.constants else {
            throw fail("the best model (\(best.network.architectureName)) and the current model (\(current.network.architectureName)) differ in shape")
        }
        var moments: [([Float], [Float])] = []
        let weightCounts = current.network.spatialLayers.map(\.weightCount).filter { $0 > 0 } + current.network.layers.map(\.weights.count)
        for count in weightCounts {
            let first = try take(4 * count).withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
            let second = try take(4 * count).withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
            guard first.allSatisfy(\.isFinite), second.allSatisfy({ $0.isFinite && $0 >= 0 }) else {
                throw fail("Adam moments of layer \(moments.count) are not finite (second moments must be >= 0)")
            }
            moments.append((first, second))
        }
        guard offset == bytes.count - 4 else { throw fail("checkpoint has \(bytes.count - 4 - offset) unexpected trailing bytes") }
        return TrainingCheckpoint(state: state, current: current, best: best, adamMoments: moments)
    }

    public static func read(path: String) throws -> TrainingCheckpoint {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ModelError.invalidFile(path: path, reason: "no checkpoint to resume from (missing or unreadable)")
        }
        return try decode(Array(data), path: path)
    }

    public func write(to path: String) throws {
        try AtomicFile.write(Data(try encode()), to: path)
    }
}

extension TrainingCheckpoint.State {
    /// The first field that would make a resumed run trap, hang or continue from nonsense
    /// (docs/model-format.md, training checkpoint), or nil.
    func firstProblem() -> String? {
        guard (0...1_000_000).contains(epochsCompleted) else { return "field epochsCompleted: \(epochsCompleted) is outside 0 ... 10^6" }
        guard history.count == epochsCompleted else {
            return "field history: \(history.count) epoch records for \(epochsCompleted) completed epochs"
        }
        guard adamStep >= 0 else { return "field adamStep: \(adamStep) is negative" }
        guard !order.isEmpty else { return "field order: empty (a run trains on at least one image)" }
        var seen = [Bool](repeating: false, count: order.count)
        for (position, index) in order.enumerated() {
            guard (0..<order.count).contains(index), !seen[index] else {
                return "field order: entry \(position) (\(index)) makes it no permutation of 0 ..< \(order.count)"
            }
            seen[index] = true
        }
        guard boostWeights.count == order.count else {
            return "field boostWeights: \(boostWeights.count) weights for \(order.count) training images"
        }
        if let bad = boostWeights.firstIndex(where: { !($0.isFinite && $0 >= 0) }) {
            return "field boostWeights[\(bad)]: \(boostWeights[bad]) is not a finite number >= 0"
        }
        guard bestTestAccuracy.isFinite, (-1...1).contains(bestTestAccuracy) else {
            return "field bestTestAccuracy: \(bestTestAccuracy) is outside -1 ... 1"
        }
        if let (name, problem) = config.firstProblem() { return "field config.\(name): \(problem)" }
        return nil
    }
}

/// One line of the per-epoch JSON log.
public struct EpochRecord: Codable, Sendable, Equatable {
    public var epoch: Int
    public var learningRate: Float
    public var trainAccuracy: Double
    public var testAccuracy: Double
    /// Accuracy on the held-out validation images (nil when the best epoch is chosen on the test set).
    public var validationAccuracy: Double?
    /// Mean of Σ (o − y)² outside the dead zone over the epoch's samples.
    public var meanCost: Double
    public var trainSeconds: Double
    public var testSeconds: Double
    public var samplesPerSecond: Double
    /// True when this epoch's accuracy on the selection set is the best so far (its weights are
    /// the saved model).
    public var best: Bool
}
