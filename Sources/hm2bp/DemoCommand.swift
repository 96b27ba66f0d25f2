import ArgumentParser
import Foundation
import HM2BPTrain
import SpikeData
import SpikeModel
import Verify

/// The README's main command: the whole pipeline on an embedded default, with no arguments.
struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Fetch MNIST if missing, train 784-800-10 briefly with HM2-BP, compile it for the emulator, emulate and verify.")

    @Option(name: [.short, .customLong("output")], help: ArgumentHelp("Folder for the demo's files.", valueName: "dir")) var output: String?
    @Option(name: .customLong("directory"), help: .private) var deprecatedDirectory: String?
    @Option(parsing: .unconditional, help: "Training images (the first N of MNIST's 60,000).") var trainLimit: Int = 10000
    @Option(name: .customLong("data-dir"), help: ArgumentHelp("Data directory (default: $HM2BP_DATA_DIR, else ~/.cache/hm2bp/data).", valueName: "dir"))
    var dataDirectory: String?
    @Flag(help: "Print one JSON document at the end (the narrative goes to stderr; docs/cli.md).") var json = false

    struct Report: Encodable {
        var passed: Bool
        var output: String
        var model: String
        var image: String
        var trainImages: Int
        var testImages: Int
        var floatAccuracy: Double
        var fixedAccuracy: Double
        var agreement: Double
    }

    func run() throws {
        setvbuf(stdout, nil, _IOLBF, 0)
        // With --json the narrative (its own lines and the compile report) goes to stderr, so
        // stdout carries the one JSON document.
        let narrative = StdoutRedirection(toStderr: json)
        defer { narrative.restore() }
        let directory = DeprecatedFlag.merge(output, deprecatedDirectory, oldName: "--directory", newName: "-o/--output") ?? "hm2bp-demo"
        try OptionCheck.output(directory, flag: "-o", inputs: [])
        try OptionCheck.count(trainLimit, flag: "--train-limit")
        let store = DataStore(directory: dataDirectory)
        print("1/4 data: MNIST in \(store.directory) (mirror: \(store.mirror ?? "none"))")
        _ = try store.fetch(.mnist) { print("    \($0)") }
        let train = try store.load(.mnist, split: .train, limit: trainLimit)
        let test = try store.load(.mnist, split: .test)

        let paths = TrainingPaths(model: directory + "/model.hm2bp")
        print("2/4 train: HM2-BP, 784-800-10, T=400, one epoch on \(train.count) images, test on \(test.count)")
        // One epoch leaves no epoch to choose, so nothing is held out for validation.
        let trainer = try Trainer(options: .init(architecture: [784, 800, 10], epochs: 1, seed: 1, dataset: "mnist", selection: .test),
                                  train: train, test: test)
        let display = ProgressDisplay()
        _ = try trainer.run(
            progress: { display.update($0) },
            epochCompleted: { record, checkpoint in
                display.finishLine()
                try ModelFile.write(checkpoint.best, to: paths.model)
                try TrainingLog.write(checkpoint.state.history, to: paths.log)
                print("    " + TrainingLog.summary(record, epochs: 1))
            },
            shouldStop: { false })

        let image = directory + "/model.emulator.img"
        print("3/4 compile: fixed point for the emulator target (8-bit weights, calibrated on 32 training images)")
        var compileArguments = [paths.model, "--target", "emulator", "-o", image]
        if let dataDirectory { compileArguments += ["--data-dir", dataDirectory] }
        let compile = try CompileCommand.parse(compileArguments)
        try compile.run()

        print("4/4 emulate and verify: the integer image against the float model on the same 10,000 test spikes")
        let model = try ModelFile.read(path: paths.model)
        let emulator = try ImageLoading.load(image).emulator
        let data = try ImageLoading.testSet(.mnist, from: DataSource(directory: dataDirectory), limit: nil, timeSteps: model.network.constants.timeSteps, seed: model.provenance.seed)
        let report = try Verification.run(network: model.network, emulator: emulator, on: data, limits: VerifyLimits(maxAccuracyDrop: 1))
        print(report.text)
        print(String(format: """

            Summary: a spiking network trained with HM2-BP on %d real MNIST digits classifies %.2f%% of the 10,000 test \
            digits correctly (chance is 10%%). Compiled to integer arithmetic, the bit-accurate emulator scores %.2f%% and \
            agrees with the float model on %.2f%% of the digits. Files: %@. Next: `hm2bp train --epochs 3`, \
            `hm2bp compile --target hm2bp-nano`.
            """, train.count, report.floatAccuracy * 100, report.fixedAccuracy * 100, report.agreement * 100, directory))
        if json {
            narrative.restore()
            print(try CommandOutput.json(Report(passed: report.passed, output: directory, model: paths.model, image: image, trainImages: train.count,
                                                testImages: test.count, floatAccuracy: report.floatAccuracy, fixedAccuracy: report.fixedAccuracy,
                                                agreement: report.agreement)))
        }
        if !report.passed { throw ExitCode(ExitStatus.checkFailed.rawValue) }
    }
}

/// Sends stdout to stderr until `restore()` (idempotent).
final class StdoutRedirection {
    private var saved: Int32 = -1

    init(toStderr: Bool) {
        guard toStderr else { return }
        fflush(stdout)
        saved = dup(STDOUT_FILENO)
        dup2(STDERR_FILENO, STDOUT_FILENO)
    }

    func restore() {
        guard saved >= 0 else { return }
        fflush(stdout)
        dup2(saved, STDOUT_FILENO)
        close(saved)
        saved = -1
    }
}
