import Kernels
import XCTest
@testable import SpikeModel

/// The convolution and pooling forward passes against a plain per-neuron loop written from
/// algorithm sections 1.1 and 4.5, on non-square multi-channel maps (the golden test's maps are
/// square and its input has one channel, so it cannot catch a swapped row and column).
final class SpatialSimulationTests: XCTestCase {
    var constants = NeuronConstants(timeSteps: 120)

    func randomRaster(neurons: Int, rate: Double, seed: UInt64) -> SpikeRaster {
        var generator = SplitMix64(seed: seed)
        let times = (0..<neurons).map { _ in (0..<constants.timeSteps).filter { _ in Double.random(in: 0..<1, using: &generator) < rate } }
        return SpikeRaster(neuronCount: neurons, timeSteps: constants.timeSteps, spikeTimes: times)
    }

    /// Section 1.1 for one neuron, its drive at each step given by `drive(t)`.
    func naiveLIF(threshold: Float, drive: (Int) -> Float) -> [Int32] {
        var v: Float = 0, current: Float = 0
        var refractory = 0
        var spikes: [Int32] = []
        for t in 1..<constants.timeSteps {
            current = (current - current / constants.tauS) + drive(t - 1)
            v = (v - v / constants.tauM) + current / constants.tauS
            if refractory > 0 { v = 0; refractory -= 1 }
            if v > threshold { spikes.append(Int32(t)); refractory = constants.refractorySteps; v = 0 }
        }
        return spikes
    }

    /// Power-of-two time constants take the multiply path of the vector update, others divide.
    func testConvolutionMatchesTheNaiveLoopWithOtherTimeConstants() {
        constants = NeuronConstants(tauM: 20, tauS: 5, refractorySteps: 3, timeSteps: 120)
        testConvolutionMatchesTheNaiveLoop(kernels: 3)
    }

    /// More kernels than one 16-lane vector holds (each position spans two vectors).
    func testConvolutionWithManyKernelsMatchesTheNaiveLoop() {
        testConvolutionMatchesTheNaiveLoop(kernels: 20)
    }

    func testConvolutionMatchesTheNaiveLoop() {
        testConvolutionMatchesTheNaiveLoop(kernels: 3)
    }

    func testConvolutionMatchesTheNaiveLoop(kernels: Int) {
        let input = FeatureMapShape(channels: 2, height: 7, width: 11)
        var generator = SplitMix64(seed: 7)
        let layer = ConvolutionLayer(input: input, kernelCount: kernels, kernelSize: 3, threshold: 1.5,
                                     weights: (0..<(kernels * 18)).map { _ in Float(Double.random(in: 0..<1, using: &generator) * 2 - 0.6) })
        let raster = randomRaster(neurons: input.count, rate: 0.15, seed: 3)
        let firing = (0..<constants.timeSteps).map { Set(raster.firing(at: $0).map(Int.init)) }
        let out = layer.output
        var expected: [[Int32]] = []
        for a in 0..<out.channels {
            for x in 0..<out.height {
                for y in 0..<out.width {
                    expected.append(naiveLIF(threshold: layer.threshold) { t in
                        // Summed in ascending input index, as the event order of a raster step.
                        var sum: Float = 0
                        for c in 0..<input.channels { for p in 0..<3 { for q in 0..<3
                            where firing[t].contains(input.index(channel: c, row: x + p, column: y + q)) {
                            sum += layer.weight(kernel: a, channel: c, row: p, column: q)
                        } } }
                        return sum
                    })
                }
            }
        }
        for parallel in [false, true] {
            let ours = FloatSimulator.runSpatialLayer(.convolution(layer), constants: constants, input: raster, parallel: parallel)
            XCTAssertEqual(ours.spikeTimes(), expected)
        }
        XCTAssertGreaterThan(expected.joined().count, 100, "the case must exercise firing")
    }

    func testPoolingMatchesTheNaiveLoop() {
        let input = FeatureMapShape(channels: 3, height: 4, width: 6)
        let layer = PoolingLayer(input: input, size: 2, threshold: 1)
        let raster = randomRaster(neurons: input.count, rate: 0.2, seed: 5)
        let firing = (0..<constants.timeSteps).map { Set(raster.firing(at: $0).map(Int.init)) }
        var expected: [[Int32]] = []
        for c in 0..<3 { for x in 0..<2 { for y in 0..<3 {
            expected.append(naiveLIF(threshold: Float(Double(layer.threshold) - 1e-6)) { t in
                var count: Float = 0
                for p in 0..<2 { for q in 0..<2 where firing[t].contains(input.index(channel: c, row: 2 * x + p, column: 2 * y + q)) { count += 1 } }
                return count
            })
        } } }
        XCTAssertEqual(FloatSimulator.runSpatialLayer(.pooling(layer), constants: constants, input: raster).spikeTimes(), expected)
        XCTAssertGreaterThan(expected.joined().count, 50)
    }
}

