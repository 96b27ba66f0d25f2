import Kernels
import Foundation
import HardwareTargets
import SpikeModel
@testable import Compiler

/// Models and inputs for the compiler tests: U[-1,1] weights, VTH 20 hidden / 8 output, lateral
/// inhibition 1 on the output layer (the MNIST defaults of algorithm section 1.3).
enum TestModels {
    static func model(_ widths: [Int], seed: UInt64 = 1, constants: NeuronConstants = NeuronConstants()) -> Model {
        var rng = SplitMix64(seed: seed)
        let layers = (1..<widths.count).map { l in
            let isOutput = l == widths.count - 1
            return DenseLayer(inputCount: widths[l - 1], outputCount: widths[l], threshold: isOutput ? 8 : 20,
                              lateralInhibition: isOutput ? 1 : 0,
                              weights: (0..<(widths[l - 1] * widths[l])).map { _ in Float.random(in: -1...1, using: &rng) })
        }
        return Model(network: Network(constants: constants, layers: layers), provenance: Provenance(dataset: "test", seed: seed))
    }

    /// Poisson-like rasters: each input fires with its own probability in 0 ... maxRate per step.
    static func rasters(inputs: Int, timeSteps: Int, count: Int, maxRate: Double = 0.2, seed: UInt64 = 5) -> [SpikeRaster] {
        var rng = SplitMix64(seed: seed)
        return (0..<count).map { _ in
            let rates = (0..<inputs).map { _ in Double.random(in: 0...maxRate, using: &rng) }
            var raster = SpikeRaster(neuronCount: inputs, timeSteps: timeSteps)
            for _ in 0..<timeSteps {
                raster.appendStep((0..<inputs).filter { Double.random(in: 0..<1, using: &rng) < rates[$0] }.map { Int32($0) })
            }
            return raster
        }
    }

    static func target(_ name: String) throws -> TargetLoader.LoadedTarget { try TargetLoader.load(name) }

    /// A shipped target's description with some fields changed (JSON text substitutions).
    static func modifiedTarget(_ name: String, _ changes: [(String, String)]) throws -> TargetLoader.LoadedTarget {
        var text = String(decoding: try TargetLoader.load(name).fileBytes, as: UTF8.self)
        for (from, to) in changes {
            precondition(text.contains(from), "\(name) has no \(from)")
            text = text.replacingOccurrences(of: from, with: to)
        }
        let bytes = Array(text.utf8)
        return TargetLoader.LoadedTarget(target: try TargetLoader.decode(bytes, path: "modified-\(name).json"), path: "modified-\(name).json", fileBytes: bytes)
    }

    static func shapes(_ model: Model) -> [LayerShape] {
        model.network.layers.map { LayerShape(inputCount: $0.inputCount, neuronCount: $0.outputCount, hasLateralInhibition: $0.lateralInhibition != 0) }
    }
}

