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
        public var selection: BestEpochSelection

        public init(architecture: Architecture, constants: NeuronConstants = NeuronConstants(), config: TrainingConfig = TrainingConfig(),
                    epochs: Int, seed: UInt64, dataset: String, selection: BestEpochSelection = .validation) {
            self.architecture = architecture
            self.constants = constants
            self.config = config
            self.epochs = epochs
            self.seed = seed
            self.dataset = dataset
            self.selection = selection
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
    /// The samples trained on: the training set less the validation samples.
    let train: LabeledSamples
    /// Held out from the end of the training set; the best epoch is chosen on them (nil: on the test set).
    let validation: LabeledSamples?
    let test: LabeledSamples
    let learner: Learner
    public private(set) var checkpoint: TrainingCheckpoint
    private var shuffle: SplitMix64

    /// Errors name the option (`--arch`, `--time-steps`, ...) the CLI maps them to; the library
    /// checks them itself so that no caller can start a run that traps or trains nonsense.
    public struct OptionError: Error, CustomStringConvertible, Equatable {
        public var option: String
        public var problem: String
        public var description: String { "\(option): \(problem)" }
    }

    public convenience init(options: Options, train: LabeledImages, test: LabeledImages, resumeFrom resumed: TrainingCheckpoint? = nil) throws {
        try self.init(options: options, train: .images(train), test: .images(test), resumeFrom: resumed)
    }

    /// Images are Poisson-encoded from the seed; recordings (N-MNIST) are used as converted.
    public init(options: Options, train: LabeledSamples, test: LabeledSamples, resumeFrom resumed: TrainingCheckpoint? = nil) throws {
        self.options = options
        try Self.validate(options, train: train, test: test)
        if options.selection == .validation {
            let held = BestEpochSelection.validationCount(ofTrainingSet: train.count)
            self.train = train.prefix(train.count - held)
            validation = train.suffix(from: train.count - held)
        } else {
            self.train = train
            validation = nil
        }
        self.test = test
        let train = self.train
        if let resumed {
            try Self.requireMatch(resumed, options: options, trainCount: self.train.count)
            checkpoint = resumed
            learner = Learner(network: resumed.current.network, config: resumed.state.config)
            learner.restoreAdam(step: resumed.state.adamStep, moments: resumed.adamMoments)
        } else {
            let network = options.config.initialNetwork(architecture: options.architecture, constants: options.constants, seed: options.seed)
            let encoderName = train.fixedTimeSteps == nil ? Provenance.poissonEncoder : Provenance.nmnistEncoder
            let model = Model(network: network, provenance: Provenance(
                dataset: options.dataset, seed: options.seed, encoder: encoderName, trainLimit: train.count + (validation?.count ?? 0),
                bestEpochSelection: options.selection.rawValue, hyperparameters: options.config.asDictionary, createdBy: "hm2bp"))
            checkpoint = TrainingCheckpoint(
                state: .init(epochsCompleted: 0, adamStep: 0, order: Array(0..<train.count),
                             boostWeights: [Float](repeating: 1, count: train.count), shuffleState: options.seed ^ 0x5EED_5EED,
                             history: [], bestTestAccuracy: -1, config: options.config, selection: options.selection),
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
                : { Learner.EncodedSample(self.train.input($0, encoder: encoder, sampleIndex: $0)) })
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
            // Validation images are training images, so they are encoded with the training
            // stream (what the model would have seen), not the test stream.
            let validationReport = validation.map { Evaluator.evaluate(learner.network, on: $0, encoder: encoder, firstIndex: train.count) }
            state.epochsCompleted += 1
            state.adamStep = learner.adamStep
            state.shuffleState = shuffle.state
            let selectionAccuracy = validationReport?.accuracy ?? report.accuracy
            let isBest = selectionAccuracy > state.bestTestAccuracy
            let record = EpochRecord(
                epoch: epoch, learningRate: learningRate, trainAccuracy: Double(correctSoFar) / Double(max(1, train.count)),
                testAccuracy: report.accuracy, validationAccuracy: validationReport?.accuracy, meanCost: cost / Double(max(1, train.count)),
                trainSeconds: trainSeconds, testSeconds: report.seconds + (validationReport?.seconds ?? 0),
                samplesPerSecond: Double(train.count) / trainSeconds, best: isBest)
            state.history.append(record)
            var provenance = checkpoint.current.provenance
            provenance.epochs = state.epochsCompleted
            provenance.testAccuracyPerEpoch = state.history.map(\.testAccuracy)
            provenance.trainAccuracyPerEpoch = state.history.map(\.trainAccuracy)
            if isBest {
                state.bestTestAccuracy = selectionAccuracy
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

    /// Everything a run needs to be meaningful and bounded: an architecture within the model
    /// format's limits whose input matches the images and whose output has one neuron per class,
    /// constants and hyperparameters in range, and data to train and test on.
    static func validate(_ options: Options, train: LabeledSamples, test: LabeledSamples) throws {
        // Architecture's own initializer already holds its shapes and sizes to the format's limits.
        let architecture = options.architecture
        if let problem = options.constants.firstProblem()
            ?? NeuronConstants.neuronStepsProblem(timeSteps: options.constants.timeSteps, neurons: architecture.neuronCount) {
            throw OptionError(option: "--time-steps", problem: problem)
        }
        if let (setting, problem) = options.config.firstProblem() {
            throw OptionError(option: "--set \(setting)", problem: "\(problem) (docs/cli.md lists every range)")
        }
        guard options.epochs >= 1, options.epochs <= 1_000_000 else {
            throw OptionError(option: "--epochs", problem: "must be in 1 ... 10^6 (got \(options.epochs))")
        }
        guard train.count >= (options.selection == .validation ? 2 : 1) else {
            throw OptionError(option: "--train-limit", problem: options.selection == .validation
                ? "at least 2 training images are needed (one is held out for validation)" : "no training images")
        }
        guard test.count >= 1 else { throw OptionError(option: "--test-limit", problem: "no test images") }
        guard architecture.inputCount == train.inputCount, train.inputCount == test.inputCount else {
            let samples = train.fixedTimeSteps == nil ? "images have \(train.inputCount) pixels" : "recordings have \(train.inputCount) input channels"
            throw OptionError(option: "--arch", problem: "starts with \(architecture.inputCount) inputs but \(options.dataset) \(samples)")
        }
        // Recordings were converted with a fixed number of bins; images are encoded at any T.
        for steps in [train.fixedTimeSteps, test.fixedTimeSteps].compactMap({ $0 }) where steps != options.constants.timeSteps {
            throw OptionError(option: "--time-steps", problem: "\(options.constants.timeSteps) differs from the \(steps) steps the \(options.dataset) recordings were converted to")
        }
        if options.config.augmentation == true, train.fixedTimeSteps != nil {
            throw OptionError(option: "--augment", problem: "distorts grey images; \(options.dataset) samples are event recordings (the reference trains N-MNIST without augmentation)")
        }
        let classes = Int(max(train.labels.max() ?? 0, test.labels.max() ?? 0)) + 1
        guard architecture.denseWidths.last == classes else {
            let suggestion = architecture.description.split(separator: "-").dropLast().joined(separator: "-") + "-\(classes)"
            throw OptionError(option: "--arch", problem: "ends with \(architecture.denseWidths.last ?? 0) outputs but \(options.dataset) has \(classes) classes: "
                              + "the output layer needs one neuron per class (e.g. \(suggestion))")
        }
    }

    /// A resumed run continues the checkpoint's run: any setting that differs would either
    /// break the state (another T or architecture) or silently change what is trained.
    static func requireMatch(_ resumed: TrainingCheckpoint, options: Options, trainCount: Int) throws {
        // A checkpoint built in memory skips the decoder's checks; an order entry out of range
        // would trap in the prefetch thread.
        if let problem = resumed.state.firstProblem() { throw OptionError(option: "--resume", problem: "the checkpoint's \(problem)") }
        let network = resumed.current.network, provenance = resumed.current.provenance
        func differs(_ option: String, _ given: String, _ recorded: String) -> OptionError {
            OptionError(option: option, problem: "\(given) differs from the checkpoint's \(recorded); a resumed run keeps the checkpoint's settings")
        }
        if network.architectureSpec != options.architecture {
            throw differs("--arch", options.architecture.description, network.architectureName)
        }
        if network.constants.timeSteps != options.constants.timeSteps {
            throw differs("--time-steps", "\(options.constants.timeSteps)", "\(network.constants.timeSteps)")
        }
        if network.constants != options.constants {
            throw differs("constants", "\(options.constants)", "\(network.constants)")
        }
        if provenance.seed != options.seed { throw differs("--seed", "\(options.seed)", "\(provenance.seed)") }
        if provenance.dataset != options.dataset { throw differs("--dataset", options.dataset, provenance.dataset) }
        if resumed.state.config != options.config { throw differs("--set", "the hyperparameters given", "hyperparameters") }
        let recordedSelection = resumed.state.selection ?? .test
        if recordedSelection != options.selection {
            throw differs("--select-best-on", options.selection.rawValue, recordedSelection.rawValue)
        }
        if resumed.state.order.count != trainCount {
            throw differs("--train-limit", "\(trainCount) training images (after the validation images)", "\(resumed.state.order.count)")
        }
    }

    /// Training sample `index` in `epoch` with augmentation (section 2): the image distorted and
    /// its spikes drawn afresh, both from (seed, epoch, index) alone, so a resumed run repeats them.
    func augmentedSample(epoch: Int) -> (Int) -> Learner.EncodedSample {
        let seed = SplitMix64.mix(options.seed ^ 0xA06_A06 &+ UInt64(epoch) &* SplitMix64.increment)
        let encoder = PoissonEncoder(timeSteps: options.constants.timeSteps, seed: seed)
        let distortion = ImageDistortion()
        guard case .images(let train) = self.train else { preconditionFailure("validate refuses augmentation of recordings") }
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

/// Which images pick the best epoch (the weights the model file keeps).
public enum BestEpochSelection: String, Codable, Sendable, CaseIterable {
    /// The last twelfth of the training set (5,000 of MNIST's 60,000) is held out and not trained
    /// on; the test set stays unseen until it is reported.
    case validation
    /// The authors' protocol: train on every training image and keep the epoch with the best
    /// test accuracy (reproduces their table, but the test set then chose the model).
    case test

    /// Images held out from a training set of `count` (at least 1; the caller ensures count >= 2).
    public static func validationCount(ofTrainingSet count: Int) -> Int { max(1, count / 12) }
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
