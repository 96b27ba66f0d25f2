import ArgumentParser
import Foundation
import HM2BPTrain
import SpikeData
import SpikeModel

/// The README's main command: everything on an embedded default, with no arguments.
struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Fetch MNIST if missing, train 784-800-10 briefly with HM2-BP and report.")

    @Option(help: "Folder for the demo's files.") var directory: String = "hm2bp-demo"
    @Option(help: "Training images (the first N of MNIST's 60,000).") var trainLimit: Int = 10000

    func run() throws {
        let store = DataStore()
        print("1/2 data: MNIST in \(store.directory) (mirror: \(store.mirror ?? "none"))")
        _ = try store.fetch(.mnist) { print("    \($0)") }
        let train = try store.load(.mnist, split: .train, limit: trainLimit)
        let test = try store.load(.mnist, split: .test)
        let paths = TrainingPaths(model: directory + "/model.hm2bp")
        print("2/2 train: HM2-BP, 784-800-10, T=400, one epoch on \(train.count) images, test on \(test.count)")
        let trainer = try Trainer(options: .init(architecture: [784, 800, 10], epochs: 1, seed: 1, dataset: "mnist"), train: train, test: test)
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
        let accuracy = trainer.checkpoint.state.bestTestAccuracy
        print(String(format: "\nSummary: a spiking network trained on %d real MNIST digits classifies %.2f%% of the 10,000 test digits correctly "
                     + "(chance is 10%%). Model: %@. Train longer with `hm2bp train --epochs 3`.", train.count, accuracy * 100, paths.model))
    }
}
