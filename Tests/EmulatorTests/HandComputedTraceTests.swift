import NeuroImage
import SpikeModel
import XCTest
@testable import Emulator

/// Integer traces computed by hand (docs/fixed-point.md and docs/emulator.md show the
/// arithmetic), checked value by value against the emulator's recorded states.
final class HandComputedTraceTests: XCTestCase {
    /// docs/fixed-point.md section 5: lateral inhibition, saturation and refractory together.
    func testWorkedExampleOfTheContract() throws {
        let rule = NeuronRule(stateBits: 8, weightShift: 1, currentDecay: .shift(3), membraneDecay: .shift(6), refractorySteps: 2)
        let layer = FixedPointLayer(rule: rule, axonCount: 1, neuronCount: 2, weights: [30, 12], thresholds: [100, 60], laterals: [-6, -6])
        let image = TestImages.make(inputCount: 1, layers: [TestLayer(reference: layer, lateral: true)], timeSteps: 10)
        let input = TestImages.raster((0..<10).map { $0 < 8 ? [0] : [] }, neurons: 1)
        let result = try Emulator(image: image).run(input, recording: [.spikes, .states])
        let states = try XCTUnwrap(result.layerStates?.first)
        let c0: [Int64] = [0, 60, 112, 127, 127, 127, 127, 127, 127, 105]
        let u0: [Int64] = [0, 60, 127, 0, 0, 127, 0, 0, 127, 0]
        let c1: [Int64] = [0, 24, 45, 57, 74, 89, 96, 108, 118, 97]
        let u1: [Int64] = [0, 24, 69, 0, 0, 89, 0, 0, 118, 0]
        XCTAssertEqual((0..<10).map { states.current[$0 * 2] }, c0)
        XCTAssertEqual((0..<10).map { states.membrane[$0 * 2] }, u0)
        XCTAssertEqual((0..<10).map { states.current[$0 * 2 + 1] }, c1)
        XCTAssertEqual((0..<10).map { states.membrane[$0 * 2 + 1] }, u1)
        let spikes = TestImages.steps(try XCTUnwrap(result.layerSpikes?.first))
        XCTAssertEqual(spikes, [[], [], [0, 1], [], [], [0, 1], [], [], [0, 1], []])
        XCTAssertEqual(result.saturations, [7])
        XCTAssertEqual(result.outputCounts, [3, 3])
    }

    /// Negative saturation with a multiplier current decay (m = 16384, tau 4) and a shift-1
    /// membrane decay; B = 8 so the range is -128 ... 127.
    /// t=2: c = -100 - rmul(-100,16384) - 100 = -100 + 25 - 100 = -175 -> -128 (1);
    ///      u = -100 - rshift(-100,1) - 128 = -100 + 50 - 128 = -178 -> -128 (2)
    /// t=3: c = -128 + 32 - 100 -> -128 (3); u = -128 + 64 - 128 -> -128 (4)
    /// t=4 (no input from t=3): c = -128 + 32 = -96; u = -64 - 96 = -160 -> -128 (5)
    /// t=5: c = -96 + 24 = -72; u = -64 - 72 = -136 -> -128 (6)
    /// t=6: c = -72 + 18 = -54; u = -64 - 54 = -118
    func testNegativeSaturationWithMultiplierDecay() throws {
        let rule = NeuronRule(stateBits: 8, weightShift: 0, currentDecay: .multiplier(16384), membraneDecay: .shift(1), refractorySteps: 0)
        let layer = FixedPointLayer(rule: rule, axonCount: 1, neuronCount: 1, weights: [-100], thresholds: [10], laterals: [0])
        let image = TestImages.make(inputCount: 1, layers: [TestLayer(reference: layer)], timeSteps: 7)
        let input = TestImages.raster([[0], [0], [0], [], [], [], []], neurons: 1)
        let result = try Emulator(image: image).run(input, recording: .states)
        let states = try XCTUnwrap(result.layerStates?.first)
        XCTAssertEqual(states.current, [0, -100, -128, -128, -96, -72, -54])
        XCTAssertEqual(states.membrane, [0, -100, -128, -128, -128, -128, -118])
        XCTAssertEqual(result.saturations, [6])
        XCTAssertEqual(result.outputCounts, [0])
    }

    /// Decay shifts of 0 empty c and u every step, so u = c = the step's drive: 50 > 40 fires
    /// at t = 1, the next R = 2 steps are clamped to 0, and the neuron fires every third step.
    func testRefractoryClampAndCount() throws {
        let rule = NeuronRule(stateBits: 16, weightShift: 0, currentDecay: .shift(0), membraneDecay: .shift(0), refractorySteps: 2)
        let layer = FixedPointLayer(rule: rule, axonCount: 1, neuronCount: 1, weights: [50], thresholds: [40], laterals: [0])
        let image = TestImages.make(inputCount: 1, layers: [TestLayer(reference: layer)], timeSteps: 12)
        let result = try Emulator(image: image).run(TestImages.raster(Array(repeating: [0], count: 12), neurons: 1), recording: [.spikes, .states])
        let states = try XCTUnwrap(result.layerStates?.first)
        XCTAssertEqual(states.membrane, [0, 50, 0, 0, 50, 0, 0, 50, 0, 0, 50, 0])
        XCTAssertEqual(states.current, [0] + Array(repeating: 50, count: 11))
        XCTAssertEqual(try XCTUnwrap(result.layerSpikes?.first).spikeTimes(), [[1, 4, 7, 10]])
    }

    /// 2-3-1 with the hidden layer on two cores (neurons 0,1 | 2). Decay shifts 0, so each
    /// state is its step's drive. Input 0 fires at t=0, input 1 at t=1, both at t=2.
    /// Hidden drives: t=1 (10,0,10) -> {0}; t=2 (0,10,10) -> {1}; t=3 (10,10,20) -> {0,1,2}.
    /// Output (weights 3,4,20, theta 5) sees them one step later: u = 3, 4, 27 at t = 2, 3, 4.
    /// With a budget of 1 spike per step on core 0, neuron 1's spike at t=3 is dropped: u(4) = 23.
    func testPartitionedLayerAcrossCoresAndSpikeBudget() throws {
        let rule = NeuronRule(stateBits: 16, weightShift: 0, currentDecay: .shift(0), membraneDecay: .shift(0), refractorySteps: 0)
        let hidden = FixedPointLayer(rule: rule, axonCount: 2, neuronCount: 3, weights: [10, 0, 10, 0, 10, 10], thresholds: [5, 5, 15], laterals: [0, 0, 0])
        let output = FixedPointLayer(rule: rule, axonCount: 3, neuronCount: 1, weights: [3, 4, 20], thresholds: [5], laterals: [0])
        let layers = [TestLayer(reference: hidden, split: [2, 1]), TestLayer(reference: output)]
        let input = TestImages.raster([[0], [1], [0, 1], [], [], []], neurons: 2)

        let image = TestImages.make(inputCount: 2, layers: layers, timeSteps: 6)
        XCTAssertEqual(image.cores.count, 3)
        let result = try Emulator(image: image).run(input, recording: [.spikes, .states])
        XCTAssertEqual(TestImages.steps(try XCTUnwrap(result.layerSpikes?[0])), [[], [0], [1], [0, 1, 2], [], []])
        XCTAssertEqual(TestImages.steps(try XCTUnwrap(result.coreSpikes?[1])), [[], [], [], [0], [], []])
        XCTAssertEqual(try XCTUnwrap(result.layerStates?[1]).membrane, [0, 0, 3, 4, 27, 0])
        XCTAssertEqual(result.outputCounts, [1])
        XCTAssertEqual(result.droppedSpikes, [0, 0, 0, 0])
        // Events: inputs 1 + 1 + 2 to two cores; hidden spikes 1 + 1 + 3 to the output core.
        XCTAssertEqual(result.axonEvents, 8 + 5)
        XCTAssertEqual(result.synapticEvents, 4 * 2 + 4 * 1 + 5 * 1)

        let budgeted = TestImages.make(inputCount: 2, layers: layers, timeSteps: 6, budgets: [1, 0, 0])
        let limited = try Emulator(image: budgeted).run(input, recording: [.spikes, .states])
        XCTAssertEqual(try XCTUnwrap(limited.layerStates?[1]).membrane, [0, 0, 3, 4, 23, 0])
        XCTAssertEqual(limited.droppedSpikes, [1, 0, 0, 0])
    }
}
