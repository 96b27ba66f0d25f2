import Kernels
import Foundation
import SpikeData
import SpikeModel

/// The HM2-BP epoch loop (algorithm sections 2, 5 and 10): partial shuffle, per-sample training
/// with boost weights, the boost update, test evaluation after every epoch and the best
/// checkpoint. Input spike trains are regenerated per sample from (seed, sample index), which
/// gives every epoch the same trains, like the reference's draw-once-at-load.
public final class Trainer {
    public struct Options: Sendable {
        public var architecture: Architecture
        public var constants: NeuronConstants
        public var config: TrainingConfig
        public var epochs: Int
        public var seed: UInt64
        public var dataset: String

        public init(architecture: Architecture, constants: NeuronConstants = NeuronConstants(), config: TrainingConfig = TrainingConfig(),
                    epochs: Int, seed: UInt64, dataset: String) {
            self.architecture = architecture
            self.constants = constants
            self.config = config
            self.epochs = epochs
            self.seed = seed
            self.dataset = dataset
        }
    }

    public struct Progress: Sendable {
        public var epoch: Int
        public var epochs: Int
        public var samplesDone: Int
        public var samplesTotal: Int
        public var runningAccuracy: Double
        public var samplesPerSecond: Double
    }

    public enum Outcome: Sendable {
        case finished
        /// Stopped between samples; the last complete checkpoint is untouched.
        case interrupted(epochsCompleted: Int)
    }

    public let options: Options
    let train: LabeledImages
    let test: LabeledImages
    let learner: Learner
    public private(set) var checkpoint: TrainingCheckpoint
    private var shuffle: SplitMix64

    public init(options: Options, train: LabeledImages, test: LabeledImages, resumeFrom resumed: TrainingCheckpoint? = nil) throws {
        self.options = options
        self.train = train
        self.test = test
        if let resumed {
            guard resumed.current.network.architectureSpec == options.architecture else {
                throw ModelError.invalidFile(path: "checkpoint", reason: "architecture \(resumed.current.network.architectureName) does not match --arch \(options.architecture)")
            }
            guard resumed.state.order.count == train.count else {
                throw ModelError.invalidFile(path: "checkpoint", reason: "it was made with \(resumed.state.order.count) training samples, this run has \(train.count) (use the same --train-limit)")
            }
            checkpoint = resumed
            learner = Learner(network: resumed.current.network, config: resumed.state.config)
            learner.restoreAdam(step: resumed.state.adamStep, moments: resumed.adamMoments)
        } else {
            let network = options.config.initialNetwork(architecture: options.architecture, constants: options.constants, seed: options.seed)
            let model = Model(network: network, provenance: Provenance(
                dataset: options.dataset, seed: options.seed, trainLimit: train.count,
                hyperparameters: options.config.asDictionary, createdBy: "hm2bp"))
            checkpoint = TrainingCheckpoint(
                state: .init(epochsCompleted: 0, adamStep: 0, order: Array(0..<train.count),
                             boostWeights: [Float](repeating: 1, count: train.count), shuffleState: options.seed ^ 0x5EED_5EED,
                             history: [], bestTestAccuracy: -1, config: options.config),
                current: model, best: model, adamMoments: [])
            learner = Learner(network: network, config: options.config)
        }
        shuffle = SplitMix64(seed: checkpoint.state.shuffleState)
    }

    /// Runs the remaining epochs. `epochCompleted` receives each finished epoch's checkpoint
    /// (the caller persists it); `shouldStop` is polled between samples.
    public func run(
        progress: (Progress) -> Void,
        epochCompleted: (EpochRecord, TrainingCheckpoint) throws -> Void,
        shouldStop: () -> Bool
    ) throws -> Outcome {
        let config = checkpoint.state.config
        let encoder = PoissonEncoder(timeSteps: options.constants.timeSteps, seed: options.seed)
        let testEncoder = Evaluator.testEncoder(timeSteps: options.constants.timeSteps, seed: options.seed)
        var state = checkpoint.state
        while state.epochsCompleted < options.epochs {
            let epoch = state.epochsCompleted
            let learningRate = config.learningRate(epoch: epoch)
            if train.count > 1 {
                for _ in 0..<config.swapsPerEpoch {
                    let a = Int.random(in: 0..<train.count, using: &shuffle), b = Int.random(in: 0..<train.count, using: &shuffle)
                    state.order.swapAt(a, b)
                }
            }
            let start = Date()
            var correct = [Bool](repeating: false, count: train.count)
            var correctSoFar = 0
            var cost = 0.0
            let reportEvery = max(1, min(500, train.count / 100))
            let prefetch = SamplePrefetch(config.augmentation == true
                ? augmentedSample(epoch: epoch)
                : { Learner.EncodedSample(encoder.encode(self.train.image($0), sampleIndex: $0)) })
            if let first = state.order.first { prefetch.start(first) }
            for (position, index) in state.order.enumerated() {
                if shouldStop() { prefetch.finish(); return .interrupted(epochsCompleted: state.epochsCompleted) }
                let label = Int(train.labels[index])
                let input = prefetch.finish()
                if position + 1 < state.order.count { prefetch.start(state.order[position + 1]) }
                let result = learner.train(input: input, label: label, boostWeight: state.boostWeights[index], learningRate: learningRate)
                correct[index] = result.prediction == label
                if correct[index] { correctSoFar += 1 }
                cost += Double(result.cost)
                if (position + 1) % reportEvery == 0 || position + 1 == train.count {
                    let elapsed = Date().timeIntervalSince(start)
                    progress(Progress(epoch: epoch, epochs: options.epochs, samplesDone: position + 1, samplesTotal: train.count,
                                      runningAccuracy: Double(correctSoFar) / Double(position + 1),
                                      samplesPerSecond: Double(position + 1) / max(elapsed, 1e-9)))
                }
            }
            let trainSeconds = Date().timeIntervalSince(start)
            if config.boost { Self.boost(&state.boostWeights, correct: correct, labels: train.labels) }
            let report = Evaluator.evaluate(learner.network, on: test, encoder: testEncoder)
            state.epochsCompleted += 1
            state.adamStep = learner.adamStep
            state.shuffleState = shuffle.state
            let isBest = report.accuracy > state.bestTestAccuracy
            let record = EpochRecord(
                epoch: epoch, learningRate: learningRate, trainAccuracy: Double(correctSoFar) / Double(max(1, train.count)),
                testAccuracy: report.accuracy, meanCost: cost / Double(max(1, train.count)), trainSeconds: trainSeconds,
                testSeconds: report.seconds, samplesPerSecond: Double(train.count) / trainSeconds, best: isBest)
            state.history.append(record)
            var provenance = checkpoint.current.provenance
            provenance.epochs = state.epochsCompleted
            provenance.testAccuracyPerEpoch = state.history.map(\.testAccuracy)
            provenance.trainAccuracyPerEpoch = state.history.map(\.trainAccuracy)
            if isBest {
                state.bestTestAccuracy = report.accuracy
                provenance.checkpointEpoch = epoch
                checkpoint.best = Model(network: learner.network, provenance: provenance)
            } else {
                provenance.checkpointEpoch = checkpoint.best.provenance.checkpointEpoch
                checkpoint.best.provenance.epochs = provenance.epochs
                checkpoint.best.provenance.testAccuracyPerEpoch = provenance.testAccuracyPerEpoch
                checkpoint.best.provenance.trainAccuracyPerEpoch = provenance.trainAccuracyPerEpoch
            }
            checkpoint.current = Model(network: learner.network, provenance: provenance)
            checkpoint.adamMoments = learner.adamMoments
            checkpoint.state = state
            try epochCompleted(record, checkpoint)
        }
        return .finished
    }

    /// Training sample `index` in `epoch` with augmentation (section 2): the image distorted and
    /// its spikes drawn afresh, both from (seed, epoch, index) alone, so a resumed run repeats them.
    func augmentedSample(epoch: Int) -> (Int) -> Learner.EncodedSample {
        let seed = SplitMix64.mix(options.seed ^ 0xA06_A06 &+ UInt64(epoch) &* SplitMix64.increment)
        let encoder = PoissonEncoder(timeSteps: options.constants.timeSteps, seed: seed)
        let distortion = ImageDistortion()
        let train = self.train
        return { index in
            var generator = SplitMix64(seed: seed ^ SplitMix64.mix(UInt64(index)))
            let image = distortion.distort(train.image(index), rows: train.rows, columns: train.columns, using: &generator)
            return Learner.EncodedSample(encoder.encode(image[...], sampleIndex: index))
        }
    }

    /// Section 5.6: per class c, err_c = Σ_{misclassified s ∈ c} w_s / Σ_{s ∈ c} w_s; each
    /// misclassified sample's weight is multiplied by exp(err_c / 20). No normalisation.
    static func boost(_ weights: inout [Float], correct: [Bool], labels: [UInt8]) {
        var wrong = [Double](repeating: 0, count: 256), total = [Double](repeating: 0, count: 256)
        for i in weights.indices {
            total[Int(labels[i])] += Double(weights[i])
            if !correct[i] { wrong[Int(labels[i])] += Double(weights[i]) }
        }
        for i in weights.indices where !correct[i] {
            let c = Int(labels[i])
            weights[i] *= Float(exp(wrong[c] / total[c] / 20))
        }
    }
}

/// Encodes one sample ahead on another thread: training splits each layer over the cores, but its
/// serial stretches (output layer, bookkeeping) leave a core idle that can prepare the next input.
final class SamplePrefetch: @unchecked Sendable {
    private let make: (Int) -> Learner.EncodedSample
    private let group = DispatchGroup()
    private var result: Learner.EncodedSample?

    init(_ make: @escaping (Int) -> Learner.EncodedSample) { self.make = make }

    func start(_ index: Int) {
        group.enter()
        DispatchQueue.global(qos: .userInitiated).async {
            self.result = self.make(index)
            self.group.leave()
        }
    }

    /// Waits for the sample started last.
    @discardableResult
    func finish() -> Learner.EncodedSample {
        group.wait()
        defer { result = nil }
        return result!
    }
}
