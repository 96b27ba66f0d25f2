import ArgumentParser
import Compiler
import Emulator
import Foundation
import HM2BPTrain
import NeuroImage
import SpikeData
import Verify

struct EmulateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "emulate",
        abstract: "Run a compiled image bit-accurately on test images: accuracy, spikes per layer, synaptic events.",
        discussion: "-o DIR writes spike trains, membrane traces and a raster picture for the first --trace-limit images (docs/trace-format.md).")

    @Argument(help: "The image file written by `hm2bp compile`.") var image: String
    @OptionGroup var data: DataOptions
    @Option(parsing: .unconditional, help: "Run only the first N test images.") var limit: Int?
    @Option(name: [.short, .customLong("output")], help: ArgumentHelp("Write traces to this folder.", valueName: "dir")) var output: String?
    @Option(name: .customLong("trace-limit"), parsing: .unconditional, help: "Images to trace with -o (default 3).") var traceLimit: Int?
    @Option(name: .customLong("trace"), help: .private) var deprecatedTrace: String?
    @Option(name: .customLong("samples"), parsing: .unconditional, help: .private) var deprecatedSamples: Int?
    @Flag(help: "Print JSON instead of text (docs/cli.md).") var json = false

    struct Report: Encodable {
        var image: String
        var imageSHA256: String
        var dataset: String
        var seed: UInt64
        var limit: Int?
        var summary: EmulationSummary
        var traces: String?

        enum CodingKeys: String, CodingKey { case image, imageSHA256, dataset, seed, limit, traces }
        func encode(to encoder: Encoder) throws {
            try summary.encode(to: encoder)
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(image, forKey: .image)
            try c.encode(imageSHA256, forKey: .imageSHA256)
            try c.encode(dataset, forKey: .dataset)
            try c.encode(seed, forKey: .seed)
            try c.encode(limit, forKey: .limit)
            try c.encode(traces, forKey: .traces)
        }
    }

    func run() throws {
        let traceFolder = DeprecatedFlag.merge(output, deprecatedTrace, oldName: "--trace", newName: "-o/--output")
        let traced = DeprecatedFlag.merge(traceLimit, deprecatedSamples, oldName: "--samples", newName: "--trace-limit") ?? 3
        try OptionCheck.count(limit, flag: "--limit")
        try OptionCheck.count(traced, flag: "--trace-limit")
        if let traceFolder { try OptionCheck.output(traceFolder, flag: "-o", inputs: [image]) }
        let loaded = try ImageLoading.load(image)
        let (dataset, seed) = try data.resolve(recorded: RecordedData(image: loaded.report, path: image))
        let testSet = try ImageLoading.testSet(dataset, from: data.source, limit: limit, timeSteps: loaded.emulator.image.timeSteps, seed: seed)
        let (summary, _) = try DatasetEmulation.run(loaded.emulator, on: testSet)
        var pictures: [String] = []
        if let traceFolder { pictures = try TraceWriter.write(loaded.emulator, data: testSet, count: traced, to: traceFolder) }
        if json {
            print(try CommandOutput.json(Report(image: image, imageSHA256: sha256Hex(loaded.bytes), dataset: dataset.rawValue, seed: seed,
                                                limit: limit, summary: summary, traces: traceFolder)))
        } else {
            print("\(image) on \(summary.samples) \(dataset.rawValue) test images, seed \(seed)")
            print(summary.text)
            if let traceFolder { print("wrote traces of \(pictures.count) samples to \(traceFolder) (raster pictures: \(pictures.joined(separator: ", ")))") }
        }
    }
}

/// Loading shared by emulate, verify, golden and inspect: an unreadable or malformed image
/// (its report included) is an error naming the file.
enum ImageLoading {
    struct Loaded {
        var bytes: [UInt8]
        var emulator: Emulator
        var report: ImageReport
    }

    static func bytes(_ path: String) throws -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CLIError.badInput("\(path): cannot read the image file (missing or unreadable)")
        }
        return Array(data)
    }

    static func decode(_ path: String, bytes: [UInt8]) throws -> (image: NeuroImage, report: ImageReport) {
        do {
            let image = try ImageDecoder.decode(bytes)
            return (image, try ImageReport.decode(image))
        } catch let error as ImageError {
            throw CLIError.badInput("\(path): \(error)")
        } catch let error as ImageReportError {
            throw CLIError.badInput("\(path): \(error)")
        }
    }

    static func load(_ path: String) throws -> Loaded {
        let bytes = try bytes(path)
        let (image, report) = try decode(path, bytes: bytes)
        return Loaded(bytes: bytes, emulator: Emulator(image: image), report: report)
    }

    static func testSet(_ dataset: DatasetName, from source: DataSource, limit: Int?, timeSteps: Int, seed: UInt64) throws -> EncodedDataset {
        EncodedDataset(samples: try source.load(dataset, split: .test, limit: limit, timeSteps: timeSteps),
                       encoder: Evaluator.testEncoder(timeSteps: timeSteps, seed: seed))
    }
}
