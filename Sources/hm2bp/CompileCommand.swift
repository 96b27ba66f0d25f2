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
        discussion: "Reports every way the model does not fit the target, with fixes, and then writes nothing (exit status 1).")

    @Argument(help: "The .hm2bp model file, or a .nir graph (imported on the fly, see `hm2bp import`).")
    var model: String

    @OptionGroup(title: "NIR input") var nir: NIRImportFlags

    @Option(name: .long, help: "Target: emulator, a name from Targets/ (hm2bp-nano, hm2bp-micro) or a path to a .json description.")
    var target = "emulator"

    @Option(name: [.short, .customLong("output")], help: "The image file to write (never the model itself).")
    var output: String

    @Flag(help: "Replace -o even when it is an existing model file.")
    var force = false

    @Option(parsing: .unconditional, help: "Training images whose spikes calibrate the scales (0: max-abs scales, no data needed).")
    var calibrationSamples = 32

    @OptionGroup var data: DataOptions

    @Option(name: .long, parsing: .unconditional, help: "Weight bits, 2 ... the target's core.weightBits (default: the target's widest).")
    var weightBits: Int?

    @Option(name: .long, help: "Weight scales: per-channel or per-layer.")
    var scaling = "per-channel"

    @Flag(name: .long, help: "Print the report as JSON (docs/cli.md).")
    var json = false

    struct Report: Encodable {
        var passed: Bool
        var model: String
        var modelSHA256: String
        var output: String?
        var target: String
        var dataset: String?
        var seed: UInt64?
        var seconds: Double
        var summary: CompileSummary?
        var diagnostics: [Diagnostic]?

        enum CodingKeys: String, CodingKey { case passed, model, modelSHA256, output, target, dataset, seed, seconds, diagnostics }
        func encode(to encoder: Encoder) throws {
            try summary?.encode(to: encoder)
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(passed, forKey: .passed)
            try c.encode(model, forKey: .model)
            try c.encode(modelSHA256, forKey: .modelSHA256)
            try c.encode(output, forKey: .output)
            try c.encode(target, forKey: .target)
            try c.encode(dataset, forKey: .dataset)
            try c.encode(seed, forKey: .seed)
            try c.encode(seconds, forKey: .seconds)
            try c.encodeIfPresent(diagnostics, forKey: .diagnostics)
        }
    }

    func run() throws {
        let start = Date()
        guard let scales = WeightScaling(rawValue: scaling) else {
            throw CLIError.usage("--scaling must be per-channel or per-layer (got '\(scaling)')")
        }
        guard (0...100_000).contains(calibrationSamples) else {
            throw CLIError.usage("--calibration-samples must be in 0 ... 100000 (got \(calibrationSamples))")
        }
        try OptionCheck.output(output, flag: "-o", inputs: [model])
        try OptionCheck.notAFinishedModel(output, flag: "-o", force: force, hint: "an image needs its own file name")
        let targetFile = try TargetLoader.load(target)
        let (loaded, modelBytes) = try ModelInput.load(model, nir: nir, target: targetFile.target)
        if let bits = weightBits, !(2...targetFile.target.core.weightBits).contains(bits) {
            throw CLIError.usage("--weight-bits must be 2 ... \(targetFile.target.core.weightBits), the widest weight target \(targetFile.target.name) holds (got \(bits))")
        }
        let (calibration, dataset, seed) = try calibrationRasters(for: loaded)
        func report(passed: Bool, summary: CompileSummary?, diagnostics: [Diagnostic]?) -> Report {
            Report(passed: passed, model: model, modelSHA256: sha256Hex(modelBytes), output: passed ? output : nil, target: targetFile.target.name,
                   dataset: dataset, seed: seed, seconds: Date().timeIntervalSince(start), summary: summary, diagnostics: diagnostics)
        }
        let result: CompileResult
        do {
            result = try ModelCompiler.compile(model: loaded, modelBytes: modelBytes, target: targetFile, calibration: calibration,
                                               options: CompileOptions(weightBits: weightBits, scaling: scales, createdBy: "hm2bp \(HM2BP.version) compile"))
        } catch let failure as CompileFailure {
            if json {
                print(try CommandOutput.json(report(passed: false, summary: nil, diagnostics: failure.diagnostics)))
            } else {
                FileHandle.standardError.write(Data("\(model): \(failure)\n".utf8))
            }
            throw ExitCode(ExitStatus.checkFailed.rawValue)
        }
        try AtomicFile.write(Data(result.bytes), to: output)
        for warning in result.warnings { Console.warning("\(model): \(warning)") }
        print(json ? try CommandOutput.json(report(passed: true, summary: result.summary, diagnostics: nil))
                   : result.summary.text + "\nwrote \(output)")
    }

    /// Calibration rasters from the model's own data set and seed (or the flags, with a warning
    /// when they differ); none when --calibration-samples is 0.
    private func calibrationRasters(for model: Model) throws -> ([SpikeRaster], String?, UInt64?) {
        guard calibrationSamples > 0 else { return ([], nil, nil) }
        let network = model.network
        let (dataset, seed) = try data.resolve(recorded: RecordedData(model: model, path: self.model))
        let samples = try data.source.load(dataset, split: .train, limit: calibrationSamples, timeSteps: network.constants.timeSteps)
        guard samples.inputCount == network.inputCount else {
            throw CLIError.usage("\(dataset.rawValue) samples have \(samples.inputCount) inputs but the model has \(network.inputCount)")
        }
        let encoder = PoissonEncoder(timeSteps: network.constants.timeSteps, seed: seed)
        return ((0..<samples.count).map { samples.input($0, encoder: encoder, sampleIndex: $0) }, dataset.rawValue, seed)
    }
}
