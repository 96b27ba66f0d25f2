import ArgumentParser
import Compiler
import Foundation
import HardwareTargets
import SpikeData
import SpikeModel

struct CompileCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compile",
        abstract: "Compile a model for a hardware target into an image (fixed point, cores, routing).",
        discussion: "Reports every way the model does not fit the target, with fixes, and then writes nothing.")

    @Argument(help: "The .hm2bp model file, or a .nir graph (imported on the fly, see `hm2bp import`).")
    var model: String

    @OptionGroup(title: "NIR input") var nir: NIRImportFlags

    @Option(name: .long, help: "Target: emulator, a name from Targets/ (hm2bp-nano, hm2bp-micro) or a path to a .json description.")
    var target = "emulator"

    @Option(name: [.short, .customLong("output")], help: "The image file to write.")
    var output: String

    @Option(name: .long, help: "Training images whose spikes calibrate the scales (0: max-abs scales, no data needed).")
    var calibrationSamples = 32

    @Option(name: .long, help: "Data set for calibration (default: the model's own, else mnist).")
    var dataset: String?

    @Option(name: .long, help: "Seed of the Poisson encoding of the calibration images.")
    var seed: UInt64 = 1

    @Option(name: .long, help: "Weight bits (default: the target's widest).")
    var weightBits: Int?

    @Option(name: .long, help: "Weight scales: per-channel or per-layer.")
    var scaling = "per-channel"

    @Flag(name: .long, help: "Print the report as JSON.")
    var json = false

    func run() throws {
        guard let scales = WeightScaling(rawValue: scaling) else {
            throw ValidationError("--scaling must be per-channel or per-layer (got '\(scaling)')")
        }
        let targetFile = try TargetLoader.load(target)
        let (loaded, modelBytes) = try ModelInput.load(model, nir: nir, target: targetFile.target)
        let calibration = try calibrationRasters(for: loaded)
        let result: CompileResult
        do {
            result = try ModelCompiler.compile(model: loaded, modelBytes: modelBytes, target: targetFile, calibration: calibration,
                                               options: CompileOptions(weightBits: weightBits, scaling: scales, createdBy: "hm2bp compile"))
        } catch let failure as CompileFailure {
            if json {
                print(try CommandOutput.json(["diagnostics": failure.diagnostics]))
            } else {
                FileHandle.standardError.write(Data("\(model): \(failure)\n".utf8))
            }
            throw ExitCode.failure
        }
        try AtomicFile.write(Data(result.bytes), to: output)
        for warning in result.warnings { FileHandle.standardError.write(Data("\(model): \(warning)\n".utf8)) }
        print(json ? try CommandOutput.json(result.summary) : result.summary.text + "\nwrote \(output)")
    }

    private func calibrationRasters(for model: Model) throws -> [SpikeRaster] {
        guard calibrationSamples > 0 else { return [] }
        let network = model.network
        let name = dataset ?? DatasetName(rawValue: model.provenance.dataset).map(\.rawValue) ?? "mnist"
        guard let datasetName = DatasetName(rawValue: name) else {
            throw ValidationError("--dataset must be one of \(DatasetName.allCases.map(\.rawValue).joined(separator: ", ")) (got '\(name)')")
        }
        let images = try DataStore().load(datasetName, split: .train, limit: calibrationSamples)
        guard images.pixelsPerImage == network.inputCount else {
            throw ValidationError("\(name) images have \(images.pixelsPerImage) pixels but the model has \(network.inputCount) inputs")
        }
        let encoder = PoissonEncoder(timeSteps: network.constants.timeSteps, seed: seed)
        return (0..<images.count).map { encoder.encode(images.image($0), sampleIndex: $0) }
    }
}

/// JSON for `--json` outputs: stable key order, readable.
enum CommandOutput {
    static func json<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}
