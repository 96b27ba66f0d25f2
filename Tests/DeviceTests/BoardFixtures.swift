import Compiler
import Device
import Foundation
import HardwareTargets
import InMemoryBoard
import Kernels
import NeuroImage
import SpikeModel

/// Small models compiled for the shipped boards, and in-memory boards running the firmware's
/// own C, for the Device tests.
enum BoardFixtures {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let targets = packageRoot.appendingPathComponent("Targets").path

    /// A seeded 64-48-10 network (lateral inhibition on the output) with T = 60.
    static func model(seed: UInt64) throws -> (Model, [UInt8]) {
        var rng = SplitMix64(seed: seed)
        let widths = [64, 48, 10]
        let layers = (1..<widths.count).map { l in
            DenseLayer(inputCount: widths[l - 1], outputCount: widths[l], threshold: l == 2 ? 8 : 20, lateralInhibition: l == 2 ? 1 : 0,
                       weights: (0..<(widths[l - 1] * widths[l])).map { _ in Float.random(in: -1...1, using: &rng) * 3 })
        }
        let model = Model(network: Network(constants: NeuronConstants(timeSteps: 60), layers: layers), provenance: Provenance(dataset: "test", seed: seed))
        return (model, try ModelFile.encode(model))
    }

    /// A seeded spiking CNN on 64 inputs: 8x8 -> 4C3 (4x6x6) -> P2 (4x3x3) -> 10, T = 60.
    static func convolutionalModel(seed: UInt64) throws -> (Model, [UInt8]) {
        var rng = SplitMix64(seed: seed)
        let conv = ConvolutionLayer(input: FeatureMapShape(channels: 1, height: 8, width: 8), kernelCount: 4, kernelSize: 3, threshold: 1,
                                    weights: (0..<36).map { _ in Float.random(in: -0.3...1, using: &rng) })
        let pool = PoolingLayer(input: conv.output, size: 2, threshold: 0.75)
        let dense = DenseLayer(inputCount: pool.output.count, outputCount: 10, threshold: 2, lateralInhibition: 0,
                               weights: (0..<(pool.output.count * 10)).map { _ in Float.random(in: -0.5...1, using: &rng) })
        let network = Network(constants: NeuronConstants(timeSteps: 60), spatialLayers: [.convolution(conv), .pooling(pool)], layers: [dense])
        let model = Model(network: network, provenance: Provenance(dataset: "test", seed: seed))
        return (model, try ModelFile.encode(model))
    }

    /// The model of `seed` compiled for `target` (max-abs scales, no data).
    static func image(target: String, seed: UInt64 = 1, weightBits: Int? = nil) throws -> (bytes: [UInt8], image: NeuroImage) {
        let (model, bytes) = try model(seed: seed)
        let result = try ModelCompiler.compile(model: model, modelBytes: bytes, target: try TargetLoader.load(target), calibration: [],
                                               options: CompileOptions(weightBits: weightBits))
        return (result.bytes, result.image)
    }

    /// Rasters where each of the inputs fires with its own rate.
    static func rasters(inputs: Int, timeSteps: Int, count: Int, seed: UInt64 = 5) -> [SpikeRaster] {
        var rng = SplitMix64(seed: seed)
        return (0..<count).map { _ in
            let rates = (0..<inputs).map { _ in Double.random(in: 0...0.3, using: &rng) }
            var raster = SpikeRaster(neuronCount: inputs, timeSteps: timeSteps)
            for _ in 0..<timeSteps {
                raster.appendStep((0..<inputs).filter { Double.random(in: 0..<1, using: &rng) < rates[$0] }.map { Int32($0) })
            }
            return raster
        }
    }

    static func board(_ target: String = "hm2bp-nano", targetsDirectory: String = targets) throws -> (InMemoryTransport, Board) {
        let transport = try InMemoryTransport(target: target, targetsDirectory: targetsDirectory)
        return (transport, try Board(transport))
    }
}
