import Kernels
import Compiler
import Emulator
import Foundation
import HardwareTargets
import NeuroImage
import SpikeData
import SpikeModel
import Verify

/// A small random model compiled by the real compiler, and a synthetic labelled data set.
enum VerifyFixtures {
    static func model(seed: UInt64 = 1) -> Model {
        var random = SplitMix64(seed: seed)
        func uniform() -> Float { Float(random.next() >> 40) / Float(1 << 24) * 2 - 1 }
        let widths = [30, 40, 10]
        let layers = (1..<widths.count).map { l in
            DenseLayer(inputCount: widths[l - 1], outputCount: widths[l], threshold: l == 2 ? 2 : 3, lateralInhibition: l == 2 ? 0.5 : 0,
                       weights: (0..<(widths[l - 1] * widths[l])).map { _ in uniform() + 0.1 })
        }
        return Model(network: Network(constants: NeuronConstants(timeSteps: 100), layers: layers), provenance: Provenance(dataset: "mnist", seed: seed))
    }

    static func compile(_ model: Model, target: String = "emulator") throws -> (image: NeuroImage, bytes: [UInt8]) {
        let bytes = try ModelFile.encode(model)
        let result = try ModelCompiler.compile(model: model, modelBytes: bytes, target: try TargetLoader.load(target), calibration: [])
        return (result.image, result.bytes)
    }

    static func dataset(count: Int, timeSteps: Int = 100) -> EncodedDataset {
        var random = SplitMix64(seed: 77)
        let pixels = (0..<(count * 30)).map { _ in UInt8(truncatingIfNeeded: random.next() % 3 == 0 ? random.next() : 0) }
        let labels = (0..<count).map { _ in UInt8(random.next() % 10) }
        return EncodedDataset(images: LabeledImages(rows: 5, columns: 6, pixels: pixels, labels: labels),
                              encoder: PoissonEncoder(timeSteps: timeSteps, seed: 3))
    }

    static func temporaryDirectory() throws -> String {
        let path = NSTemporaryDirectory() + "verify-tests-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }
}

