import Kernels
import NeuroImage
import SpikeModel
import XCTest
@testable import Emulator

/// The SIMD kernel, the routing and the core partitioning must reproduce the contract's
/// reference (`FixedPointLayer`, run layer after layer on finished spike trains) bit for bit,
/// on random networks chosen to hit every path: 160- and 128-neuron tiles and 16-lane remainders,
/// layers split over several cores, lateral inhibition, multiplier decays and narrow states
/// that saturate often.
final class ReferenceAgreementTests: XCTestCase {
    struct Case {
        var widths: [Int]
        var stateBits: Int
        var shift: Int
        var decays: (Decay, Decay)
        var lateralOnLast: Bool
        var splits: [[Int]?]
    }

    func testRandomNetworksMatchTheReferenceLayerByLayer() throws {
        let cases = [
            Case(widths: [40, 333, 10], stateBits: 32, shift: 10, decays: (.shift(3), .shift(6)), lateralOnLast: true,
                 splits: [[160, 130, 43], nil]),
            Case(widths: [30, 170, 17], stateBits: 12, shift: 2, decays: (.multiplier(8192), .multiplier(1024)), lateralOnLast: false,
                 splits: [[17, 153], [9, 8]]),
            Case(widths: [25, 24, 5], stateBits: 9, shift: 0, decays: (.shift(1), .shift(0)), lateralOnLast: true, splits: [[3, 5, 16], nil]),
            // B = 32 with a drive that fits 30 bits: the 32-bit lanes must detect int32 overflow.
            Case(widths: [40, 48, 16], stateBits: 32, shift: 17, decays: (.shift(3), .shift(6)), lateralOnLast: false, splits: [nil, nil]),
        ]
        var random = SplitMix64(seed: 11)
        for (n, c) in cases.enumerated() {
            var layers: [TestLayer] = []
            for l in 1..<c.widths.count {
                let rule = NeuronRule(stateBits: c.stateBits, weightShift: c.shift, currentDecay: c.decays.0, membraneDecay: c.decays.1,
                                      refractorySteps: l)
                let (fanIn, width) = (c.widths[l - 1], c.widths[l])
                let weights = (0..<(fanIn * width)).map { _ in Int8(truncatingIfNeeded: Int(random.next() % 256) - 128 + 40) }
                let top = (Int64(1) << (c.stateBits - 1)) - 1
                let reach = min(top / 2, Int64(fanIn * 8) << c.shift)
                let thresholds = (0..<width).map { _ in Int64(random.next() % UInt64(reach)) + 1 }
                let lateral = c.lateralOnLast && l == c.widths.count - 1
                let laterals = (0..<width).map { _ in lateral ? -Int64(random.next() % UInt64(min(top, 1 << 12))) : 0 }
                layers.append(TestLayer(reference: FixedPointLayer(rule: rule, axonCount: fanIn, neuronCount: width, weights: weights,
                                                                   thresholds: thresholds, laterals: laterals),
                                        lateral: lateral, split: c.splits[l - 1]))
            }
            let steps = 60
            let image = TestImages.make(inputCount: c.widths[0], layers: layers, timeSteps: steps)
            let emulator = Emulator(image: image)
            XCTAssertTrue(emulator.allCoresVectorized)
            var input: [[Int32]] = []
            for _ in 0..<steps { input.append((0..<Int32(c.widths[0])).filter { _ in random.next() % 4 == 0 }) }
            let raster = TestImages.raster(input, neurons: c.widths[0])
            let result = try emulator.run(raster, recording: [.spikes, .states])
            let scalar = try Emulator(image: image, vectorize: false).run(raster, recording: [.spikes, .states])
            XCTAssertEqual(result, scalar, "case \(n): the SIMD and scalar kernels differ")

            var below = input
            var saturations: [Int] = []
            for (l, layer) in layers.enumerated() {
                let reference = layer.reference.run(input: below)
                XCTAssertEqual(TestImages.steps(try XCTUnwrap(result.layerSpikes?[l])), reference.spikes, "case \(n) layer \(l)")
                XCTAssertEqual(result.neuronCounts[l], reference.spikeCounts, "case \(n) layer \(l)")
                XCTAssertGreaterThan(reference.spikeCounts.reduce(0, +), 0, "case \(n) layer \(l) should be active")
                saturations.append(reference.saturations)
                below = reference.spikes
            }
            XCTAssertEqual(result.saturations, saturations, "case \(n)")
            if c.stateBits <= 12 || c.shift == 17 { XCTAssertGreaterThan(saturations.reduce(0, +), 0, "case \(n) should saturate") }
        }
    }
}
