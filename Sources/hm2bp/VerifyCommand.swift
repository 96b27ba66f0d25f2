import ArgumentParser
import Foundation
import NeuroImage
import SpikeData
import SpikeModel
import Verify

struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Compare a compiled image with its float model on the same input spikes; fail when a limit breaks.",
        discussion: """
        Reports both accuracies, prediction agreement, per-layer firing-count error, and for the first sample whose \
        predictions differ the layer, neuron and step where spikes first diverge with both models' states there. \
        Limits come from flags or a JSON file (--limits) with the keys maxAccuracyDrop, minAgreement, maxFiringCountError; \
        flags win. Exit status 1 when a limit is broken (docs/cli.md).
        """)

    @Argument(help: "The float model (.hm2bp) the image was compiled from.") var model: String
    @Argument(help: "The image file written by `hm2bp compile`.") var image: String
    @OptionGroup var data: DataOptions
    @Option(parsing: .unconditional, help: "Verify on only the first N test images.") var limit: Int?
    @Option(parsing: .unconditional, help: "Largest allowed accuracy drop, float minus fixed point, in percentage points (0 ... 100).")
    var maxAccuracyDrop: Double?
    @Option(parsing: .unconditional, help: "Smallest allowed prediction agreement, in percent (0 ... 100).") var minAgreement: Double?
    @Option(name: .customLong("max-firing-count-error"), parsing: .unconditional,
            help: "Largest allowed relative firing-count error of any layer (>= 0).") var maxFiringCountError: Double?
    @Option(name: .customLong("max-count-error"), parsing: .unconditional, help: .private) var deprecatedMaxCountError: Double?
    @Option(help: "A JSON file of limits (checked in next to the model, for CI).") var limits: String?
    @Flag(help: "Print JSON instead of text (docs/cli.md).") var json = false
    @Flag(help: "Also run the samples on a board and compare it with the emulator spike for spike on every core (docs/loader.md).") var onDevice = false
    @Option(help: "Serial number of the board for --on-device (see `hm2bp devices`).") var device: String?

    struct Output: Encodable {
        var model: String
        var modelSHA256: String
        var image: String
        var imageSHA256: String
        var dataset: String
        var seed: UInt64
        var limit: Int?
        var report: VerificationReport

        enum CodingKeys: String, CodingKey {
            case model, modelSHA256, image, imageSHA256, dataset, seed, limit, passed
            case floatAccuracyPercent, fixedAccuracyPercent, agreementPercent
        }
        func encode(to encoder: Encoder) throws {
            try report.encode(to: encoder)
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(model, forKey: .model)
            try c.encode(modelSHA256, forKey: .modelSHA256)
            try c.encode(image, forKey: .image)
            try c.encode(imageSHA256, forKey: .imageSHA256)
            try c.encode(dataset, forKey: .dataset)
            try c.encode(seed, forKey: .seed)
            try c.encode(limit, forKey: .limit)
            try c.encode(report.passed, forKey: .passed)
            try c.encode(report.floatAccuracy * 100, forKey: .floatAccuracyPercent)
            try c.encode(report.fixedAccuracy * 100, forKey: .fixedAccuracyPercent)
            try c.encode(report.agreement * 100, forKey: .agreementPercent)
        }
    }

    func run() throws {
        try OptionCheck.count(limit, flag: "--limit")
        let countError = DeprecatedFlag.merge(maxFiringCountError, deprecatedMaxCountError, oldName: "--max-count-error", newName: "--max-firing-count-error")
        let flags = VerifyLimits(maxAccuracyDrop: maxAccuracyDrop, minAgreement: minAgreement, maxFiringCountError: countError)
        if let problem = flags.firstProblem() { throw CLIError.usage("--\(Self.flagName(problem.key)) \(problem.reason)") }
        let chosen = try (limits.map { try VerifyLimits.read(path: $0) } ?? VerifyLimits()).overridden(by: flags)
        let (float, modelBytes) = try ModelLoading.load(model)
        let loaded = try ImageLoading.load(image)
        guard loaded.emulator.image.metadata.modelSHA256 == Digest.sha256(modelBytes) else {
            throw CLIError.usage("\(image) was compiled from a different model than \(model) (the SHA-256 recorded in the image differs)")
        }
        let (dataset, seed) = try data.resolve(recorded: RecordedData(model: float, path: model))
        let testSet = try ImageLoading.testSet(dataset, from: data.source, limit: limit, timeSteps: loaded.emulator.image.timeSteps, seed: seed)
        let report = try Verification.run(network: float.network, emulator: loaded.emulator, on: testSet, limits: chosen)
        let board = onDevice ? try OnDeviceVerify.run(imagePath: image, imageBytes: loaded.bytes, emulator: loaded.emulator, data: testSet,
                                                      serial: device, json: json) : nil
        if json {
            let output = Output(model: model, modelSHA256: sha256Hex(modelBytes), image: image, imageSHA256: sha256Hex(loaded.bytes),
                                dataset: dataset.rawValue, seed: seed, limit: limit, report: report)
            print(try CommandOutput.json(OnDeviceVerify.Output(report: output, onDevice: board)))
        } else {
            print("\(model) against \(image) on \(dataset.rawValue) test images, seed \(seed)")
            print(report.text + (board.map { "\n" + $0.text } ?? ""))
        }
        if !report.passed || board?.passed == false { throw ExitCode(ExitStatus.checkFailed.rawValue) }
    }

    /// maxAccuracyDrop -> max-accuracy-drop
    static func flagName(_ key: String) -> String {
        key.reduce("") { $0 + ($1.isUppercase ? "-" + $1.lowercased() : String($1)) }
    }
}
