import ArgumentParser
import Foundation
import HM2BPTrain
import SpikeData
import SpikeModel

struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Evaluate a float model: accuracy, confusion matrix, mean spike counts per layer.")

    @Argument(help: "Model file (.hm2bp).") var model: String
    @Option(help: "Data set: mnist or fashion-mnist.") var dataset: DatasetName = .mnist
    @Option(help: "Evaluate on only the first N test images.") var limit: Int?
    @Option(help: "Seed of the test spike encoding (default: the model's training seed).") var seed: UInt64?
    @Flag(help: "Print JSON instead of text.") var json = false

    func run() throws {
        let loaded = try ModelFile.read(path: model)
        let test = try DataStore().load(dataset, split: .test, limit: limit)
        guard loaded.network.inputCount == test.pixelsPerImage else {
            throw ValidationError("\(model): the network takes \(loaded.network.inputCount) inputs but \(dataset.rawValue) images have \(test.pixelsPerImage) pixels")
        }
        let encoder = Evaluator.testEncoder(timeSteps: loaded.network.constants.timeSteps, seed: seed ?? loaded.provenance.seed)
        let report = Evaluator.evaluate(loaded.network, on: test, encoder: encoder)
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
            return
        }
        print(String(format: "%@ (%@) on %d %@ test images: accuracy %.2f%% (%d correct) in %.1f s",
                     model, loaded.network.architectureName, report.samples, dataset.rawValue, report.accuracy * 100,
                     report.correct, report.seconds))
        print("mean spikes per sample by layer: " + report.meanSpikesPerLayer.map { String(format: "%.1f", $0) }.joined(separator: ", "))
        print("confusion matrix (rows: label, columns: prediction):")
        print("      " + (0..<report.confusion.count).map { String(format: "%6d", $0) }.joined())
        for (label, row) in report.confusion.enumerated() {
            print(String(format: "%6d", label) + row.map { String(format: "%6d", $0) }.joined())
        }
    }
}
