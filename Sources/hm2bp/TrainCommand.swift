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
            Writes the best model so far to OUTPUT after every epoch (best on validation images held out from the end of the \
            training set, or with --select-best-on test on the test set as the HM2-BP authors did), the full training state to \
            OUTPUT.checkpoint and one JSON line per epoch to OUTPUT.log.jsonl. Refuses an existing OUTPUT unless --resume \
            (continue it) or --force (start over). Ctrl-C stops between samples and leaves the last complete checkpoint intact. \
            With --resume, the architecture, T, seed, data set, selection and hyperparameters come from the checkpoint; \
            giving a different value is an error (docs/cli.md).
            """)

    @Option(help: "Data set: mnist, fashion-mnist or nmnist (default mnist; on --resume the checkpoint's).") var dataset: DatasetName?
    @Option(help: "Architecture, input to output: widths (784-800-10) or a CNN (28x28-15C5-P2-40C5-P2-300-10); the last is the number of classes (default 784-800-10; nmnist 34x34x2-800-10).")
    var arch: String?
    @Option(parsing: .unconditional, help: "Epochs to train (in total, when resuming).") var epochs: Int = 1
    @Option(parsing: .unconditional, help: "Use only the first N training images.") var trainLimit: Int?
    @Option(parsing: .unconditional, help: "Evaluate on only the first N test images.") var testLimit: Int?
    @Option(parsing: .unconditional, help: "Seed for weights, spike encoding and shuffling (default 1).") var seed: UInt64?
    @Option(parsing: .unconditional, help: "Time steps T per sample, 2 ... 2^20 (default 400; nmnist 540 bins of 600 us).") var timeSteps: Int?
    @Option(name: .customLong("set"), help: "Override a hyperparameter, e.g. --set learningRate=0.0005 (repeatable; names and ranges: docs/cli.md).")
    var settings: [String] = []
    @Option(name: .shortAndLong, help: "Model file to write.") var output: String = "model.hm2bp"
    @Option(name: .customLong("select-best-on"),
            help: "What picks the best epoch: validation (1/12 of the training images, held out) or test (the authors' protocol).")
    var selection: BestEpochSelection?
    @Flag(help: "Continue from OUTPUT.checkpoint.") var resume = false
    @Flag(help: "Start over even if OUTPUT (or its checkpoint or log) exists.") var force = false
    @Option(name: .customLong("data-dir"), help: ArgumentHelp("Data directory (default: $HM2BP_DATA_DIR, else ~/.cache/hm2bp/data).", valueName: "dir"))
    var dataDirectory: String?
    @Option(name: .customLong("data"), help: ArgumentHelp("The unpacked N-MNIST (Train/ and Test/); required with nmnist, which is never fetched.", valueName: "dir"))
    var dataFolder: String?
    @Flag(help: "Print one JSON document at the end instead of text (progress stays on stderr; docs/cli.md).") var json = false

    struct Report: Encodable {
        var model: String
        var checkpoint: String
        var log: String
        var dataset: String
        var seed: UInt64
        var timeSteps: Int
        var architecture: String
        var trainImages: Int
        var validationImages: Int
        var testImages: Int
        var selection: String
        var epochs: [EpochRecord]
        var bestTestAccuracy: Double
        var interrupted: Bool
    }
    @Flag(help: "Distort every training image afresh each epoch (elastic, scale, rotation) and redraw its spikes, as the reference's CNN runs.")
    var augment = false

    func run() throws {
        // One line per epoch, visible at once even when stdout is a file or a pipe.
        setvbuf(stdout, nil, _IOLBF, 0)
        try OptionCheck.count(trainLimit, flag: "--train-limit")
        try OptionCheck.count(testLimit, flag: "--test-limit")
        try OptionCheck.output(output, flag: "-o", inputs: [])
        let paths = TrainingPaths(model: output)
        let resumed = resume ? try TrainingCheckpoint.read(path: paths.checkpoint) : nil
        if !resume, !force, let existing = [paths.model, paths.checkpoint, paths.log].first(where: { FileManager.default.fileExists(atPath: $0) }) {
            throw CLIError.usage("\(existing) exists; use --resume to continue that run, --force to start over, or another -o")
        }
        let options = try trainingOptions(resuming: resumed)
        let source = DataSource(directory: dataDirectory, folder: dataFolder)
        guard let datasetName = DatasetName(rawValue: options.dataset) else {
            throw CLIError.badInput("\(paths.checkpoint): records data set '\(options.dataset)', which hm2bp cannot load")
        }
        let steps = options.constants.timeSteps
        let train = try source.load(datasetName, split: .train, limit: trainLimit ?? resumed?.current.provenance.trainLimit ?? resumed?.state.order.count,
                                    timeSteps: steps)
        let test = try source.load(datasetName, split: .test, limit: testLimit, timeSteps: steps)
        let trainer = try Trainer(options: options, train: train, test: test, resumeFrom: resumed)
        let display = ProgressDisplay()
        let architecture = options.architecture.description
        func say(_ line: String) { if !json { print(line) } }
        let held = options.selection == .validation ? BestEpochSelection.validationCount(ofTrainingSet: train.count) : 0
        say("training \(architecture) on \(train.count - held) \(options.dataset) images, testing on \(test.count), T=\(options.constants.timeSteps), seed \(options.seed)"
            + (resumed.map { ", resuming after epoch \($0.state.epochsCompleted)" } ?? ""))
        say(options.selection == .validation
            ? "best epoch chosen on \(held) validation images held out from the end of the training set (--select-best-on test: the authors' protocol)"
            : "best epoch chosen on the test set (the authors' protocol; --select-best-on validation holds out training images instead)")
        Interrupt.install()
        let outcome = try trainer.run(
            progress: { display.update($0) },
            epochCompleted: { record, checkpoint in
                display.finishLine()
                try ModelFile.write(checkpoint.best, to: paths.model)
                try checkpoint.write(to: paths.checkpoint)
                try TrainingLog.write(checkpoint.state.history, to: paths.log)
                say(TrainingLog.summary(record, epochs: options.epochs))
            },
            shouldStop: { Interrupt.requested })
        var interrupted = false
        if case .interrupted(let completed) = outcome {
            display.finishLine()
            Console.warning("interrupted: the last complete checkpoint (after epoch \(completed)) is intact; continue with --resume")
            interrupted = true
        }
        let state = trainer.checkpoint.state
        if json {
            print(try CommandOutput.json(Report(
                model: paths.model, checkpoint: paths.checkpoint, log: paths.log, dataset: options.dataset, seed: options.seed,
                timeSteps: options.constants.timeSteps, architecture: architecture, trainImages: train.count - held, validationImages: held,
                testImages: test.count, selection: options.selection.rawValue,
                epochs: state.history, bestTestAccuracy: max(0, state.bestTestAccuracy), interrupted: interrupted)))
        } else if !interrupted, let best = state.history.last(where: \.best) {
            let on = best.validationAccuracy.map { String(format: "validation %.2f%%, ", $0 * 100) } ?? ""
            print(String(format: "best epoch %d (%@test %.2f%%), model written to %@", best.epoch + 1, on, best.testAccuracy * 100, paths.model))
        }
        if interrupted { throw ExitCode(ExitStatus.interrupted.rawValue) }
    }

    /// The run's options: the flags over the defaults, or, when resuming, over the checkpoint's
    /// record (a flag that differs from the record is refused by `Trainer`).
    func trainingOptions(resuming resumed: TrainingCheckpoint?) throws -> Trainer.Options {
        let recorded = resumed?.current
        let datasetName = dataset?.rawValue ?? recorded?.provenance.dataset ?? DatasetName.mnist.rawValue
        let isNMNIST = datasetName == DatasetName.nmnist.rawValue
        let architecture = try arch.map(Architecture.parse) ?? recorded?.network.architectureSpec
            ?? (isNMNIST ? Architecture.parse("34x34x2-800-10") : [784, 800, 10])
        var constants = recorded?.network.constants ?? NeuronConstants()
        if recorded == nil, isNMNIST { constants.timeSteps = NMNIST.timeSteps }
        if let timeSteps { constants.timeSteps = timeSteps }
        // A CNN starts from the reference's CNN column (algorithm section 1.3), an MLP from the
        // MLP column, or on N-MNIST from the N-MNIST column.
        var config = resumed?.state.config
            ?? (architecture.isConvolutional ? TrainingConfig.convolutionalMNIST : isNMNIST ? TrainingConfig.nmnist : TrainingConfig())
        for setting in settings { try config.apply(setting: setting) }
        if augment { config.augmentation = true }
        return Trainer.Options(
            architecture: architecture, constants: constants, config: config, epochs: epochs,
            seed: seed ?? recorded?.provenance.seed ?? 1, dataset: datasetName,
            selection: selection ?? resumed.map { $0.state.selection ?? .test } ?? .validation)
    }
}

extension DatasetName: ExpressibleByArgument {}
extension BestEpochSelection: ExpressibleByArgument {}

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
        String(format: "epoch %d/%d: train %.2f%%, %@test %.2f%%%@, lr %.6f, %.0f samples/s, %.1f s train + %.1f s test",
               record.epoch + 1, epochs, record.trainAccuracy * 100,
               record.validationAccuracy.map { String(format: "validation %.2f%%, ", $0 * 100) } ?? "", record.testAccuracy * 100,
               record.best ? " (best)" : "",
               record.learningRate, record.samplesPerSecond, record.trainSeconds, record.testSeconds)
    }
}
