import Kernels
import XCTest
@testable import SpikeModel

final class FloatSimulatorTests: XCTestCase {
    /// A neuron receiving a strong input every step fires at most once every Tr + 1 steps, and
    /// never at t = 0 or t = 1 (the synaptic delay).
    func testRefractoryAndDelay() {
        let constants = NeuronConstants(timeSteps: 30)
        let layer = DenseLayer(inputCount: 1, outputCount: 1, threshold: 1, weights: [100])
        let input = SpikeRaster(neuronCount: 1, timeSteps: 30, spikeTimes: [Array(0..<30)])
        let times = FloatSimulator.runLayer(layer, constants: constants, input: input).spikeTimes()[0]
        XCTAssertEqual(times.first, 1, "input at t=0 reaches I at t=1 and crosses at once with this weight")
        XCTAssertEqual(zip(times, times.dropFirst()).map { $1 - $0 }, Array(repeating: 3, count: times.count - 1))
    }

    /// Lateral inhibition: a neuron that spikes pushes the other neurons' currents down, so with
    /// it the second neuron fires less than without it.
    func testLateralInhibitionSuppressesTheOtherNeuron() {
        let constants = NeuronConstants(timeSteps: 200)
        let input = SpikeRaster(neuronCount: 1, timeSteps: 200, spikeTimes: [Array(stride(from: 0, to: 200, by: 2))])
        let free = DenseLayer(inputCount: 1, outputCount: 2, threshold: 8, weights: [6, 2])
        var inhibited = free
        inhibited.lateralInhibition = 3
        let freeCounts = FloatSimulator.runLayer(free, constants: constants, input: input).counts()
        let inhibitedCounts = FloatSimulator.runLayer(inhibited, constants: constants, input: input).counts()
        XCTAssertGreaterThan(freeCounts[1], 0)
        XCTAssertLessThan(inhibitedCounts[1], freeCounts[1])
    }

    /// Splitting a layer over the cores must not change a single spike.
    func testParallelAndSerialRunsAgree() {
        var generator = SplitMix64(seed: 311)  // seeded: the same cases every run
        let constants = NeuronConstants(timeSteps: 100)
        let layer = DenseLayer(inputCount: 50, outputCount: 70, threshold: 2,
                               weights: (0..<3500).map { _ in Float.random(in: -0.5...1, using: &generator) })
        let input = SpikeRaster(neuronCount: 50, timeSteps: 100,
                                spikeTimes: (0..<50).map { _ in (0..<100).filter { _ in Bool.random(using: &generator) } })
        XCTAssertEqual(FloatSimulator.runLayer(layer, constants: constants, input: input, parallel: true),
                       FloatSimulator.runLayer(layer, constants: constants, input: input, parallel: false))
    }
}
