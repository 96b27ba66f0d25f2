import XCTest
@testable import NeuroImage

final class FixedPointNeuronTests: XCTestCase {
    func testRoundingShiftAndMultiplyMatchTheDocumentedExamples() {
        XCTAssertEqual(FixedPoint.roundingShift(12, 3), 2)
        XCTAssertEqual(FixedPoint.roundingShift(3, 3), 0)
        XCTAssertEqual(FixedPoint.roundingShift(4, 3), 1)
        XCTAssertEqual(FixedPoint.roundingShift(-4, 3), 0)
        XCTAssertEqual(FixedPoint.roundingShift(-5, 3), -1)
        XCTAssertEqual(FixedPoint.roundingShift(-7, 0), -7)
        XCTAssertEqual(FixedPoint.roundingMultiply(1000, 8192), 125)
    }

    func testDecaysNeverLeaveTheStateRange() {
        for bits in [8, 24, 32] {
            let range = FixedPoint.stateRange(bits: bits)
            for decay in [Decay.shift(0), .shift(1), .shift(3), .shift(6), .multiplier(0), .multiplier(8192), .multiplier(65_536)] {
                for x in [range.lowerBound, range.lowerBound + 1, -1, 0, 1, range.upperBound] {
                    XCTAssertTrue(range.contains(decay.apply(x)), "\(decay) of \(x) at \(bits) bits")
                }
            }
        }
    }

    func testExactShiftOnlyForPowersOfTwo() {
        XCTAssertEqual(Decay.exactShift(tau: 64), .shift(6))
        XCTAssertEqual(Decay.exactShift(tau: 8), .shift(3))
        XCTAssertEqual(Decay.exactShift(tau: 1), .shift(0))
        XCTAssertNil(Decay.exactShift(tau: 10))
        XCTAssertNil(Decay.exactShift(tau: 8.5))
        XCTAssertEqual(Decay.multiplier(tau: 10), .multiplier(6554))
    }

    /// docs/fixed-point.md section 5, row by row: c, u at the test, r, s for both neurons and the
    /// running saturation count.
    func testWorkedExampleOfTheContract() {
        let rule = NeuronRule(stateBits: 8, weightShift: 1, currentDecay: .shift(3), membraneDecay: .shift(6), refractorySteps: 2)
        let expected: [[Int64]] = [
            [0, 0, 0, 0, 0, 0, 0, 0, 0],
            [60, 60, 0, 0, 24, 24, 0, 0, 0],
            [112, 127, 2, 1, 45, 69, 2, 1, 1],
            [127, 0, 1, 0, 57, 0, 1, 0, 2],
            [127, 0, 0, 0, 74, 0, 0, 0, 3],
            [127, 127, 2, 1, 89, 89, 2, 1, 4],
            [127, 0, 1, 0, 96, 0, 1, 0, 5],
            [127, 0, 0, 0, 108, 0, 0, 0, 6],
            [127, 127, 2, 1, 118, 118, 2, 1, 7],
            [105, 0, 1, 0, 97, 0, 1, 0, 7],
        ]
        let q: [Int64] = [30, 12], theta: [Int64] = [100, 60], lateral: [Int64] = [-6, -6]
        var states = [NeuronState(), NeuronState()]
        var previous = [false, false]
        var saturations = 0
        for t in 0..<10 {
            var row: [Int64] = []
            var fired = [false, false]
            for i in 0..<2 {
                let inputSpiked = t >= 1 && t - 1 <= 7
                var atTest: Int64 = 0
                fired[i] = FixedPointNeuron.step(&states[i], rule: rule, threshold: theta[i], lateral: lateral[i], t: t,
                                                 synapticSum: inputSpiked ? q[i] : 0, lateralCount: previous[1 - i] ? 1 : 0,
                                                 saturations: &saturations, membraneAtTest: &atTest)
                row += [states[i].current, atTest, Int64(states[i].refractoryLeft), fired[i] ? 1 : 0]
            }
            row.append(Int64(saturations))
            XCTAssertEqual(row, expected[t], "step \(t)")
            previous = fired
        }
    }

    /// The layer runner must give the same trace as the per-neuron steps (it is what the
    /// compiler calibrates with).
    func testLayerRunnerReproducesTheWorkedExample() {
        let rule = NeuronRule(stateBits: 8, weightShift: 1, currentDecay: .shift(3), membraneDecay: .shift(6), refractorySteps: 2)
        let layer = FixedPointLayer(rule: rule, axonCount: 1, neuronCount: 2, weights: [30, 12], thresholds: [100, 60], laterals: [-6, -6])
        let input: [[Int32]] = (0..<10).map { $0 <= 7 ? [0] : [] }
        let result = layer.run(input: input)
        XCTAssertEqual(result.spikes, [[], [], [0, 1], [], [], [0, 1], [], [], [0, 1], []])
        XCTAssertEqual(result.saturations, 7)
        XCTAssertEqual(result.spikeCounts, [3, 3])
    }

    func testNegativeSaturationAndNoSpikeAtStepZero() {
        let rule = NeuronRule(stateBits: 8, weightShift: 0, currentDecay: .shift(3), membraneDecay: .shift(6), refractorySteps: 0)
        var state = NeuronState()
        var saturations = 0
        var atTest: Int64 = 0
        XCTAssertFalse(FixedPointNeuron.step(&state, rule: rule, threshold: 0, lateral: 0, t: 0, synapticSum: 500,
                                             lateralCount: 0, saturations: &saturations, membraneAtTest: &atTest))
        XCTAssertEqual(state, NeuronState(), "t = 0 ignores input")
        _ = FixedPointNeuron.step(&state, rule: rule, threshold: 0, lateral: 0, t: 1, synapticSum: -300,
                                  lateralCount: 0, saturations: &saturations, membraneAtTest: &atTest)
        XCTAssertEqual(state.current, -128)
        XCTAssertEqual(state.membrane, -128, "exactly the lower bound: no saturation event")
        XCTAssertEqual(saturations, 1)
        _ = FixedPointNeuron.step(&state, rule: rule, threshold: 0, lateral: 0, t: 2, synapticSum: -300,
                                  lateralCount: 0, saturations: &saturations, membraneAtTest: &atTest)
        XCTAssertEqual(state.current, -128)
        XCTAssertEqual(state.membrane, -128)
        XCTAssertEqual(saturations, 3, "c clamps again, and u = -126 - 128 clamps")
    }

    func testRefractoryClampsForExactlyRStepsWithoutStoppingTheCurrent() {
        let rule = NeuronRule(stateBits: 16, weightShift: 0, currentDecay: .shift(3), membraneDecay: .shift(6), refractorySteps: 2)
        var state = NeuronState()
        var saturations = 0
        var atTest: Int64 = 0
        var spikes: [Int] = []
        for t in 0..<8 {
            if FixedPointNeuron.step(&state, rule: rule, threshold: 10, lateral: 0, t: t, synapticSum: 100,
                                     lateralCount: 0, saturations: &saturations, membraneAtTest: &atTest) {
                spikes.append(t)
            }
        }
        // A strong constant input fires at t = 1 and then every 3 steps (R = 2 clamped steps).
        XCTAssertEqual(spikes, [1, 4, 7])
        XCTAssertGreaterThan(state.current, 100, "the current keeps integrating during the clamp")
    }
}
