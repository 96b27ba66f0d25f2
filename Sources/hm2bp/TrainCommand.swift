import ArgumentParser
import Foundation
import HM2BPTrain
import SpikeData
import SpikeModel

struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a spiking network (fully connected or convolutional) with HM2-BP.",
        discussion: """
            Writes the best model so far (by test accuracy) to OUTPUT after every epoch, the full
            training state to OUTPUT.checkpoint and one JSON line per epoch to OUTPUT.log.jsonl.
            Ctrl-C stops between samples and leaves the last complete checkpoint intact.
            """)

    @Option(help: "Data set: mnist or fashion-mnist.") var dataset: DatasetName = .mnist
    @Option(help: "Architecture, input to output: widths (784-800-10) or a CNN (28x28-15C5-P2-40C5-P2-300-10).")
    var arch: String = "784-800-10"
    @Option(help: "Epochs to train (in total, when resuming).") var epochs: Int = 1
    @Option(help: "Use only the first N training images.") var trainLimit: Int?
    @Option(help: "Evaluate on only the first N test images.") var testLimit: Int?
    @Option(help: "Seed for weights, spike encoding and shuffling.") var seed: UInt64 = 1
    @Option(help: "Time steps T per sample.") var timeSteps: Int = 400
    @Option(name: .customLong("set"), help: "Override a hyperparameter, e.g. --set learningRate=0.0005 (repeatable).")
    var settings: [String] = []
    @Option(name: .shortAndLong, help: "Model file to write.") var output: String = "model.hm2bp"
    @Flag(help: "Continue from OUTPUT.checkpoint.") var resume = false
    @Flag(help: "Distort every training image afresh each epoch (elastic, scale, rotation) and redraw its spikes, as the reference's CNN runs.")
    var augment = false

    func run() throws {
        // One line per epoch, visible at once even when stdout is a file or a pipe.
        setvbuf(stdout, nil, _IOLBF, 0)
        let architecture = try Architecture.parse(arch)
        // A CNN starts from the reference's CNN column (section 1.3), an MLP from the MLP column.
        var config = architecture.isConvolutional ? TrainingConfig.convolutionalMNIST : TrainingConfig()
        for setting in settings { try config.apply(setting: setting) }
        if augment { config.augmentation = true }
        let constants = NeuronConstants(timeSteps: timeSteps)
        if let problem = constants.firstProblem() { throw ValidationError("--time-steps: \(problem)") }
        guard epochs >= 1 else { throw ValidationError("--epochs must be at least 1") }
        let store = DataStore()
        let train = try store.load(dataset, split: .train, limit: trainLimit)
        let test = try store.load(dataset, split: .test, limit: testLimit)
        guard architecture.inputCount == train.pixelsPerImage else {
            throw ValidationError("--arch starts with \(architecture.inputCount) inputs but \(dataset.rawValue) images have \(train.pixelsPerImage) pixels")
        }
        let paths = TrainingPaths(model: output)
        let resumed = resume ? try TrainingCheckpoint.read(path: paths.checkpoint) : nil
        let trainer = try Trainer(
            options: .init(architecture: architecture, constants: constants, config: config, epochs: epochs, seed: seed, dataset: dataset.rawValue),
            train: train, test: test, resumeFrom: resumed)
        let display = ProgressDisplay()
        print("training \(arch) on \(train.count) \(dataset.rawValue) images, testing on \(test.count), T=\(timeSteps), seed \(seed)"
              + (resumed.map { ", resuming after epoch \($0.state.epochsCompleted)" } ?? ""))
        Interrupt.install()
        let outcome = try trainer.run(
            progress: { display.update($0) },
            epochCompleted: { record, checkpoint in
                display.finishLine()
                try ModelFile.write(checkpoint.best, to: paths.model)
                try checkpoint.write(to: paths.checkpoint)
                try TrainingLog.write(checkpoint.state.history, to: paths.log)
                print(TrainingLog.summary(record, epochs: epochs))
            },
            shouldStop: { Interrupt.requested })
        if case .interrupted(let completed) = outcome {
            display.finishLine()
            print("interrupted: the last complete checkpoint (after epoch \(completed)) is intact; continue with --resume")
            throw ExitCode(130)
        }
        let best = trainer.checkpoint.state.bestTestAccuracy
        print(String(format: "best test accuracy %.2f%%, model written to %@", best * 100, paths.model))
    }
}

extension DatasetName: ExpressibleByArgument {}

/// The files a training run writes next to the model.
struct TrainingPaths {
    let model: String
    var checkpoint: String { model + ".checkpoint" }
    var log: String { model + ".log.jsonl" }
}

enum TrainingLog {
    /// Rewrites the whole log atomically, so a resumed run never shows epochs it threw away.
    static func write(_ history: [EpochRecord], to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let lines = try history.map { String(decoding: try encoder.encode($0), as: UTF8.self) }
        try AtomicFile.write(lines.joined(separator: "\n") + "\n", to: path)
    }

    static func summary(_ record: EpochRecord, epochs: Int) -> String {
        String(format: "epoch %d/%d: train %.2f%%, test %.2f%%%@, lr %.6f, %.0f samples/s, %.1f s train + %.1f s test",
               record.epoch + 1, epochs, record.trainAccuracy * 100, record.testAccuracy * 100, record.best ? " (best)" : "",
               record.learningRate, record.samplesPerSecond, record.trainSeconds, record.testSeconds)
    }
}
