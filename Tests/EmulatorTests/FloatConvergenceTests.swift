import Kernels
import NeuroImage
import SpikeModel
import XCTest
@testable import Emulator

/// docs/fixed-point.md section 4: as the weight width W and the fractional bits F grow, the
/// emulator's spikes approach the float simulator's. The quantizer here is the textbook one
/// (per-neuron step max|w| / qmax, rounded weights, thresholds and laterals), written out so
/// the test does not depend on the compiler's choices.
final class FloatConvergenceTests: XCTestCase {
    static func floatNetwork(seed: UInt64, weightGrid: Float? = nil) -> Network {
        var random = SplitMix64(seed: seed)
        func uniform() -> Float { Float(random.next() >> 40) / Float(1 << 24) * 2 - 1 }
        func layer(_ fanIn: Int, _ width: Int, threshold: Float, lateral: Float, scale: Float) -> DenseLayer {
            var weights = (0..<(fanIn * width)).map { _ in (uniform() + 0.15) * scale }
            if let grid = weightGrid {
                // Exactly representable with 8-bit weights of step `grid`: each neuron's largest
                // magnitude is 127 steps, so max|w| / 127 recovers the grid step.
                weights = weights.map { max(-127, min(127, ($0 / grid).rounded())) * grid }
                for i in 0..<width { weights[i] = 127 * grid }
            }
            return DenseLayer(inputCount: fanIn, outputCount: width, threshold: threshold, lateralInhibition: lateral, weights: weights)
        }
        return Network(constants: NeuronConstants(timeSteps: 120),
                       layers: [layer(30, 48, threshold: 1, lateral: 0, scale: 0.9), layer(48, 6, threshold: 1, lateral: 0.05, scale: 0.9)])
    }

    static func quantize(_ network: Network, weightBits: Int, shift: Int) -> NeuroImage {
        let qmax = Float((1 << (weightBits - 1)) - 1)
        let c = network.constants
        let layers = network.layers.map { layer -> TestLayer in
            let n = layer.outputCount
            let steps = (0..<n).map { i in (0..<layer.inputCount).map { abs(layer.weights[$0 * n + i]) }.max()! / qmax }
            let q = layer.weights.indices.map { Int8(max(-qmax, min(qmax, (layer.weights[$0] / steps[$0 % n]).rounded()))) }
            let scale = Double(1 << shift)
            let rule = NeuronRule(stateBits: 32, weightShift: shift, currentDecay: .shift(3), membraneDecay: .shift(6), refractorySteps: c.refractorySteps)
            let thresholds = steps.map { Int64((Double(layer.threshold) * Double(c.tauS) * scale / Double($0)).rounded()) }
            let laterals = steps.map { Int64((-Double(layer.lateralInhibition) * scale / Double($0)).rounded()) }
            return TestLayer(reference: FixedPointLayer(rule: rule, axonCount: layer.inputCount, neuronCount: n, weights: q,
                                                        thresholds: thresholds, laterals: laterals),
                             lateral: layer.lateralInhibition != 0)
        }
        return TestImages.make(inputCount: network.inputCount, layers: layers, timeSteps: c.timeSteps)
    }

    static func inputs(count: Int, neurons: Int, steps: Int) -> [SpikeRaster] {
        var random = SplitMix64(seed: 99)
        return (0..<count).map { _ in
            TestImages.raster([[]] + (1..<steps).map { _ in (0..<Int32(neurons)).filter { _ in random.next() % 5 == 0 } }, neurons: neurons)
        }
    }

    /// Spikes present in one model and not the other, summed over layers, steps and samples,
    /// and the float model's spike total.
    static func mismatch(_ network: Network, _ image: NeuroImage, _ inputs: [SpikeRaster]) throws -> (differ: Int, total: Int) {
        let emulator = Emulator(image: image)
        var differ = 0, total = 0
        for input in inputs {
            let float = FloatSimulator.run(network, input: input, parallel: false)
            let fixed = try XCTUnwrap(try emulator.run(input, recording: .spikes).layerSpikes)
            for (a, b) in zip(float, fixed) {
                total += a.totalSpikes
                for t in 0..<a.timeSteps { differ += Set(a.firing(at: t)).symmetricDifference(Set(b.firing(at: t))).count }
            }
        }
        return (differ, total)
    }

    func testSpikesConvergeToTheFloatModelAsWidthsGrow() throws {
        let network = Self.floatNetwork(seed: 3)
        let inputs = Self.inputs(count: 6, neurons: 30, steps: network.constants.timeSteps)
        var previous = Int.max / 2
        var last = (differ: 0, total: 0)
        for (bits, shift) in [(3, 1), (4, 3), (6, 6), (8, 12)] {
            last = try Self.mismatch(network, Self.quantize(network, weightBits: bits, shift: shift), inputs)
            XCTAssertLessThan(Double(last.differ), 0.8 * Double(previous), "W=\(bits) F=\(shift) should agree better than the narrower widths")
            print("W=\(bits) F=\(shift): \(last.differ) of \(last.total) spikes differ")
            previous = last.differ
        }
        XCTAssertGreaterThan(last.total, 500, "the float network should be active")
        XCTAssertLessThan(Double(last.differ), 0.15 * Double(last.total), "W=8 F=12: \(last.differ) of \(last.total) spikes differ")
    }

    /// With weights exactly on the 8-bit grid, only the decay and threshold roundings remain,
    /// and at F = 16 they are far below anything that moves a spike.
    func testExactlyRepresentableWeightsGiveTheFloatSpikes() throws {
        let network = Self.floatNetwork(seed: 4, weightGrid: 1.0 / 128)
        let inputs = Self.inputs(count: 4, neurons: 30, steps: network.constants.timeSteps)
        let result = try Self.mismatch(network, Self.quantize(network, weightBits: 8, shift: 16), inputs)
        XCTAssertGreaterThan(result.total, 300)
        XCTAssertEqual(result.differ, 0, "\(result.differ) of \(result.total) spikes differ")
    }
}
