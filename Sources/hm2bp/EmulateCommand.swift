import ArgumentParser
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
        discussion: "--trace DIR writes spike trains, membrane traces and a raster picture for the first --samples images (docs/trace-format.md).")

    @Argument(help: "The image file written by `hm2bp compile`.") var image: String
    @Option(help: "Data set: mnist or fashion-mnist.") var dataset: DatasetName = .mnist
    @Option(help: "Run only the first N test images.") var limit: Int?
    @Option(help: "Seed of the test spike encoding (`hm2bp eval` uses the model's training seed).") var seed: UInt64 = 1
    @Option(help: "Write traces of the first --samples images to this folder.") var trace: String?
    @Option(help: "Images to trace with --trace.") var samples = 3
    @Flag(help: "Print JSON instead of text.") var json = false

    func run() throws {
        let emulator = try ImageLoading.emulator(image)
        let data = try ImageLoading.testSet(dataset, limit: limit, timeSteps: emulator.image.timeSteps, seed: seed)
        let (summary, _) = try DatasetEmulation.run(emulator, on: data)
        print(json ? try CommandOutput.json(summary) : summary.text)
        if let trace {
            let pictures = try TraceWriter.write(emulator, data: data, count: samples, to: trace)
            if !json { print("wrote traces of \(pictures.count) samples to \(trace) (raster pictures: \(pictures.joined(separator: ", ")))") }
        }
    }
}

/// Loading shared by emulate, verify and golden: an unreadable or malformed image is an error
/// naming the file.
enum ImageLoading {
    static func bytes(_ path: String) throws -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ValidationError("\(path): cannot read the image file (missing or unreadable)")
        }
        return Array(data)
    }

    static func emulator(_ path: String, bytes: [UInt8]? = nil) throws -> Emulator {
        do {
            return Emulator(image: try ImageDecoder.decode(try bytes ?? self.bytes(path)))
        } catch let error as ImageError {
            throw ValidationError("\(path): \(error)")
        }
    }

    static func testSet(_ dataset: DatasetName, limit: Int?, timeSteps: Int, seed: UInt64) throws -> EncodedDataset {
        EncodedDataset(images: try DataStore().load(dataset, split: .test, limit: limit),
                       encoder: Evaluator.testEncoder(timeSteps: timeSteps, seed: seed))
    }
}
