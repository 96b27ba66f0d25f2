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
        flags win. Exit status 1 when a limit is broken.
        """)

    @Argument(help: "The float model (.hm2bp) the image was compiled from.") var model: String
    @Argument(help: "The image file written by `hm2bp compile`.") var image: String
    @Option(help: "Data set: mnist or fashion-mnist.") var dataset: DatasetName = .mnist
    @Option(help: "Verify on only the first N test images.") var limit: Int?
    @Option(help: "Seed of the test spike encoding (default: the model's training seed, as `hm2bp eval`).") var seed: UInt64?
    @Option(help: "Largest allowed accuracy drop, float minus fixed point, in percentage points.") var maxAccuracyDrop: Double?
    @Option(help: "Smallest allowed prediction agreement, in percent.") var minAgreement: Double?
    @Option(help: "Largest allowed relative firing-count error of any layer.") var maxCountError: Double?
    @Option(help: "A JSON file of limits (checked in next to the model, for CI).") var limits: String?
    @Flag(help: "Print JSON instead of text.") var json = false
    @Flag(help: "Also run the samples on a board and compare it with the emulator spike for spike on every core (docs/loader.md).") var onDevice = false
    @Option(help: "Serial number of the board for --on-device (see `hm2bp devices`).") var device: String?

    func run() throws {
        guard let modelData = FileManager.default.contents(atPath: model) else {
            throw ValidationError("\(model): cannot read the model file (missing or unreadable)")
        }
        let float = try ModelFile.decode(Array(modelData), path: model)
        let imageBytes = try ImageLoading.bytes(image)
        let emulator = try ImageLoading.emulator(image, bytes: imageBytes)
        guard emulator.image.metadata.modelSHA256 == Digest.sha256(Array(modelData)) else {
            throw ValidationError("\(image) was compiled from a different model than \(model) (the SHA-256 recorded in the image differs)")
        }
        let flags = VerifyLimits(maxAccuracyDrop: maxAccuracyDrop, minAgreement: minAgreement, maxFiringCountError: maxCountError)
        let chosen = try (limits.map { try VerifyLimits.read(path: $0) } ?? VerifyLimits()).overridden(by: flags)
        let data = try ImageLoading.testSet(dataset, limit: limit, timeSteps: emulator.image.timeSteps, seed: seed ?? float.provenance.seed)
        let report = try Verification.run(network: float.network, emulator: emulator, on: data, limits: chosen)
        let board = onDevice ? try OnDeviceVerify.run(imagePath: image, imageBytes: imageBytes, emulator: emulator, data: data, serial: device, json: json) : nil
        print(json ? try CommandOutput.json(OnDeviceVerify.Output(report: report, onDevice: board)) : report.text + (board.map { "\n" + $0.text } ?? ""))
        if !report.passed || board?.passed == false { throw ExitCode.failure }
    }
}
