import ArgumentParser
import Foundation
import SpikeData
import Verify

struct GoldenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "golden",
        abstract: "Write golden vectors: input spikes and the expected spikes of every core, for board firmware tests.",
        discussion: "Format: docs/golden-format.md. The folder is replaced as a whole (written beside it, then renamed).")

    @Argument(help: "The image file written by `hm2bp compile`.") var image: String
    @Option(name: [.short, .customLong("output")], help: ArgumentHelp("The folder to write.", valueName: "dir")) var output: String
    @OptionGroup var data: DataOptions
    @Option(parsing: .unconditional, help: "Number of test images (default 10).") var limit: Int?
    @Option(name: .customLong("samples"), parsing: .unconditional, help: .private) var deprecatedSamples: Int?
    @Flag(help: "Print JSON instead of text (docs/cli.md).") var json = false

    struct Report: Encodable {
        var output: String
        var manifest: String
        var image: String
        var imageSHA256: String
        var dataset: String
        var seed: UInt64
        var samples: Int
        var cores: Int
    }

    func run() throws {
        let count = DeprecatedFlag.merge(limit, deprecatedSamples, oldName: "--samples", newName: "--limit") ?? 10
        try OptionCheck.count(count, flag: "--limit")
        try OptionCheck.output(output, flag: "-o", inputs: [image])
        let loaded = try ImageLoading.load(image)
        if OptionCheck.folder(output, holds: image) {
            throw CLIError.usage("-o \(output) holds the image \(image); golden replaces the whole folder - choose another")
        }
        let (dataset, seed) = try data.resolve(recorded: RecordedData(image: loaded.report, path: image))
        let testSet = try ImageLoading.testSet(dataset, from: data.source, limit: count, timeSteps: loaded.emulator.image.timeSteps, seed: seed)
        let written = try GoldenWriter.write(imageBytes: loaded.bytes, emulator: loaded.emulator, data: testSet, count: count, to: output)
        let cores = loaded.emulator.image.cores.count
        if json {
            print(try CommandOutput.json(Report(output: output, manifest: output + "/golden.json", image: image, imageSHA256: sha256Hex(loaded.bytes),
                                                dataset: dataset.rawValue, seed: seed, samples: written, cores: cores)))
        } else {
            print("wrote golden vectors of \(written) \(dataset.rawValue) samples (seed \(seed)) for \(cores) cores to \(output)/golden.json")
        }
    }
}
