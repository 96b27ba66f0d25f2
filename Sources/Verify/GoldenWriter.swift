import Emulator
import Foundation
import NeuroImage
import SpikeModel

/// Writes golden vectors for board firmware tests (docs/golden-format.md): for each sample the
/// input spikes and the expected spikes of every core (local neuron indices) as `SpikeFile`s,
/// and `golden.json` tying them to the image by its SHA-256.
public enum GoldenWriter {
    struct Manifest: Codable {
        var format = "hm2bp-golden"
        var version = 1
        var imageSHA256: String
        var architecture: String
        var target: String
        var timeSteps: Int
        var inputCount: Int
        var cores: [CoreInfo]
        var samples: [SampleInfo]
    }

    struct CoreInfo: Codable {
        var core: Int
        var layer: Int
        var firstNeuron: Int
        var neuronCount: Int
    }

    struct SampleInfo: Codable {
        var index: Int
        var label: Int
        var prediction: Int
        var outputCounts: [Int32]
        var saturationsPerLayer: [Int]
        var droppedSpikesPerRouter: [Int]
        var input: String
        /// cores[c] is the expected spike file of core c.
        var cores: [String]
    }

    /// `imageBytes` are the image file's bytes (hashed into the manifest), `emulator` runs them.
    /// The set is written as a whole into a temporary folder and renamed over `target`, so an
    /// interrupted run leaves the previous set intact, never a mix of old and new files.
    public static func write(imageBytes: [UInt8], emulator: Emulator, data: EncodedDataset, count: Int, to target: String) throws -> Int {
        try DatasetEmulation.requireCompatible(emulator.image, data)
        let folder = try AtomicDirectory(target)
        do {
            let written = try write(imageBytes: imageBytes, emulator: emulator, data: data, count: count, into: folder.staging)
            try folder.commit()
            return written
        } catch {
            folder.discard()
            throw error
        }
    }

    private static func write(imageBytes: [UInt8], emulator: Emulator, data: EncodedDataset, count: Int, into directory: String) throws -> Int {
        let image = emulator.image
        var samples: [SampleInfo] = []
        for i in 0..<min(count, data.count) {
            let input = data.input(i)
            let result = try emulator.run(input, recording: .spikes)
            guard let coreSpikes = result.coreSpikes else { continue }
            let folder = String(format: "sample-%05d", i)
            try AtomicFile.write(Data(SpikeFile.encode(input)), to: directory + "/" + folder + "/input.spk")
            var cores: [String] = []
            for (c, raster) in coreSpikes.enumerated() {
                let name = folder + "/core-\(c).spk"
                try AtomicFile.write(Data(SpikeFile.encode(raster)), to: directory + "/" + name)
                cores.append(name)
            }
            samples.append(SampleInfo(index: i, label: Int(data.labels[i]), prediction: result.prediction, outputCounts: result.outputCounts,
                                      saturationsPerLayer: result.saturations, droppedSpikesPerRouter: result.droppedSpikes,
                                      input: folder + "/input.spk", cores: cores))
        }
        let manifest = Manifest(
            imageSHA256: Digest.sha256(imageBytes).map { String(format: "%02x", $0) }.joined(),
            architecture: image.metadata.architecture, target: image.target.name, timeSteps: image.timeSteps, inputCount: image.inputCount,
            cores: image.cores.enumerated().map { CoreInfo(core: $0.offset, layer: $0.element.layer, firstNeuron: $0.element.firstNeuron,
                                                           neuronCount: $0.element.neuronCount) },
            samples: samples)
        try AtomicFile.write(try JSON.encode(manifest), to: directory + "/golden.json")
        return samples.count
    }
}
