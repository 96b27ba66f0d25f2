import ArgumentParser
import Foundation
import SpikeData
import Verify

struct GoldenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "golden",
        abstract: "Write golden vectors: input spikes and the expected spikes of every core, for board firmware tests.",
        discussion: "Format: docs/golden-format.md.")

    @Argument(help: "The image file written by `hm2bp compile`.") var image: String
    @Option(name: [.short, .customLong("output")], help: "The folder to write.") var output: String
    @Option(help: "Data set whose test images are the inputs: mnist or fashion-mnist.") var dataset: DatasetName = .mnist
    @Option(help: "Number of test images.") var samples = 10
    @Option(help: "Seed of the test spike encoding.") var seed: UInt64 = 1

    func run() throws {
        let bytes = try ImageLoading.bytes(image)
        let emulator = try ImageLoading.emulator(image, bytes: bytes)
        let data = try ImageLoading.testSet(dataset, limit: samples, timeSteps: emulator.image.timeSteps, seed: seed)
        let written = try GoldenWriter.write(imageBytes: bytes, emulator: emulator, data: data, count: samples, to: output)
        print("wrote golden vectors of \(written) samples for \(emulator.image.cores.count) cores to \(output)/golden.json")
    }
}
