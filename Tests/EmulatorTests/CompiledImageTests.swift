import Kernels
import Compiler
import HardwareTargets
import NeuroImage
import SpikeModel
import XCTest
@testable import Emulator

/// Images from the real compiler, with its partitioning and compressed routing tables, must run
/// exactly like the contract's reference layer (`FixedPointLayer`) rebuilt from the image's
/// layer parameters and its cores' synapse columns.
final class CompiledImageTests: XCTestCase {
    func testCompiledImagesMatchTheReferenceOnEveryTarget() throws {
        var random = SplitMix64(seed: 21)
        func uniform() -> Float { Float(random.next() >> 40) / Float(1 << 24) * 2 - 1 }
        let widths = [100, 300, 10]
        let layers = (1..<widths.count).map { l in
            DenseLayer(inputCount: widths[l - 1], outputCount: widths[l], threshold: 2, lateralInhibition: l == 2 ? 0.5 : 0,
                       weights: (0..<(widths[l - 1] * widths[l])).map { _ in uniform() * 0.6 + 0.05 })
        }
        let model = Model(network: Network(constants: NeuronConstants(timeSteps: 80), layers: layers), provenance: Provenance(dataset: "mnist", seed: 1))
        let inputs = (0..<4).map { _ in
            TestImages.raster([[]] + (1..<80).map { _ in (0..<Int32(100)).filter { _ in random.next() % 6 == 0 } }, neurons: 100)
        }
        for target in ["emulator", "hm2bp-micro", "hm2bp-nano"] {
            let image = try ModelCompiler.compile(model: model, modelBytes: try ModelFile.encode(model), target: try TargetLoader.load(target),
                                                  calibration: []).image
            let emulator = Emulator(image: image)
            for input in inputs {
                let result = try emulator.run(input, recording: .spikes)
                var below = TestImages.steps(input)
                for l in image.layers.indices {
                    let reference = Self.referenceLayer(image, layer: l).run(input: below)
                    XCTAssertEqual(TestImages.steps(try XCTUnwrap(result.layerSpikes?[l])), reference.spikes, "\(target) layer \(l)")
                    XCTAssertEqual(result.saturations[l], reference.saturations, "\(target) layer \(l)")
                    XCTAssertGreaterThan(reference.spikeCounts.reduce(0, +), 0, "\(target) layer \(l) should fire")
                    below = reference.spikes
                }
            }
            if target == "hm2bp-nano" { XCTAssertGreaterThan(image.cores.count, 2, "nano splits the hidden layer") }
        }
    }

    /// The whole layer, its weights gathered back from the cores' columns.
    static func referenceLayer(_ image: NeuroImage, layer l: Int) -> FixedPointLayer {
        let layer = image.layers[l]
        var weights = [Int8](repeating: 0, count: layer.inputCount * layer.neuronCount)
        for core in image.cores where core.layer == l {
            for a in 0..<core.axonCount {
                for k in 0..<core.neuronCount { weights[a * layer.neuronCount + core.firstNeuron + k] = core.weights[a * core.neuronCount + k] }
            }
        }
        return FixedPointLayer(rule: layer.rule, axonCount: layer.inputCount, neuronCount: layer.neuronCount, weights: weights,
                               thresholds: layer.thresholds, laterals: layer.laterals)
    }
}
