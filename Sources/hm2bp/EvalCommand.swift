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
    @OptionGroup var data: DataOptions
    @Option(parsing: .unconditional, help: "Evaluate on only the first N test images.") var limit: Int?
    @Flag(help: "Print JSON instead of text (docs/cli.md).") var json = false

    struct Report: Encodable {
        var model: String
        var modelSHA256: String
        var dataset: String
        var seed: UInt64
        var limit: Int?
        var evaluation: EvaluationReport

        enum CodingKeys: String, CodingKey { case model, modelSHA256, dataset, seed, limit }
        func encode(to encoder: Encoder) throws {
            try evaluation.encode(to: encoder)
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(model, forKey: .model)
            try c.encode(modelSHA256, forKey: .modelSHA256)
            try c.encode(dataset, forKey: .dataset)
            try c.encode(seed, forKey: .seed)
            try c.encode(limit, forKey: .limit)
        }
    }

    func run() throws {
        try OptionCheck.count(limit, flag: "--limit")
        let (loaded, bytes) = try ModelLoading.load(model)
        let (dataset, seed) = try data.resolve(recorded: RecordedData(model: loaded, path: model))
        let test = try data.source.load(dataset, split: .test, limit: limit, timeSteps: loaded.network.constants.timeSteps)
        guard loaded.network.inputCount == test.inputCount else {
            throw CLIError.usage("\(model): the network takes \(loaded.network.inputCount) inputs but \(dataset.rawValue) samples have \(test.inputCount)")
        }
        let encoder = Evaluator.testEncoder(timeSteps: loaded.network.constants.timeSteps, seed: seed)
        let report = Evaluator.evaluate(loaded.network, on: test, encoder: encoder)
        if json {
            print(try CommandOutput.json(Report(model: model, modelSHA256: sha256Hex(bytes), dataset: dataset.rawValue, seed: seed,
                                                limit: limit, evaluation: report)))
            return
        }
        print(String(format: "%@ (%@) on %d %@ test images (seed %llu): accuracy %.2f%% (%d correct) in %.1f s",
                     model, loaded.network.architectureName, report.samples, dataset.rawValue, seed, report.accuracy * 100,
                     report.correct, report.seconds))
        print("mean spikes per sample by layer: " + report.meanSpikesPerLayer.map { String(format: "%.1f", $0) }.joined(separator: ", "))
        print("confusion matrix (rows: label, columns: prediction):")
        print("      " + (0..<report.confusion.count).map { String(format: "%6d", $0) }.joined())
        for (label, row) in report.confusion.enumerated() {
            print(String(format: "%6d", label) + row.map { String(format: "%6d", $0) }.joined())
        }
    }
}

/// Reading a model for a command: the model and the bytes it came from (hashed into reports).
enum ModelLoading {
    static func load(_ path: String) throws -> (model: Model, bytes: [UInt8]) {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CLIError.badInput("\(path): cannot read the model file (missing or unreadable)")
        }
        let bytes = Array(data)
        return (try ModelFile.decode(bytes, path: path), bytes)
    }
}
