import Kernels
import SpikeModel
import XCTest
@testable import HM2BPTrain

/// The layer-wide S-PSP built from kernel rows must equal the direct pair loop of section 4.2,
/// including the 256-step cut-off, the refractory shift and the silent-neuron rules.
final class SPSPKernelTests: XCTestCase {
    func testKernelMatrixMatchesDirectLoopOnRandomTrains() {
        let constants = NeuronConstants(timeSteps: 400)
        let parameters = SPSPParameters(constants: constants)
        var generator = SplitMix64(seed: 42)
        let inputs = 37, outputs = 53  // not multiples of 16: exercises the chunk edges
        let preTimes: [[Int]] = (0..<inputs).map { j in
            j % 9 == 0 ? [] : (1..<400).filter { _ in Double.random(in: 0..<1, using: &generator) < 0.05 }
        }
        // Post trains respect the refractory spacing, as the simulator guarantees.
        let postTimes: [[Int32]] = (0..<outputs).map { i in
            if i % 7 == 0 { return [] }
            var times: [Int32] = []
            var t = Int.random(in: 1..<60, using: &generator)
            while t < 400 {
                times.append(Int32(t))
                t += 3 + Int.random(in: 0..<40, using: &generator)
            }
            return times
        }
        let input = SpikeRaster(neuronCount: inputs, timeSteps: 400, spikeTimes: preTimes)
        let trainer = LayerTrainer(inputCount: inputs, outputCount: outputs, constants: constants,
                                   kernel: SPSPKernel(parameters: parameters, timeSteps: 400))
        var layer = DenseLayer(inputCount: inputs, outputCount: outputs, threshold: 20,
                               weights: .init(repeating: 0.5, count: inputs * outputs))
        let sample = LayerTrainer.Sample(inputTrains: SpikeTrains(input), inputCounts: input.counts(), postTrains: SpikeTrains(perNeuron: postTimes),
                                         postCounts: postTimes.map { Int32($0.count) }, delta: .init(repeating: 0, count: outputs),
                                         lateralFactor: nil)
        _ = trainer.backward(sample, layer: &layer, config: TrainingConfig(), learningRate: 0, propagate: false)
        var checked = 0
        for j in 0..<inputs {
            let pre = preTimes[j].map { Int32($0) }
            for i in 0..<outputs {
                let expected = parameters.direct(post: postTimes[i], pre: pre)
                let actual = Double(trainer.spsp.element(j, i))
                XCTAssertEqual(actual, expected, accuracy: 1e-4 * max(1, abs(expected)), "e[\(i)|\(j)]")
                if expected > 0.2 { checked += 1 }
            }
        }
        XCTAssertGreaterThan(checked, inputs * outputs / 4, "the random trains must produce substantial S-PSPs")
    }

    /// The table-driven pair evaluation (used for the lateral factor) against the direct loop.
    func testPairMatchesDirectLoop() {
        let parameters = SPSPParameters(constants: NeuronConstants(timeSteps: 400))
        let kernel = SPSPKernel(parameters: parameters, timeSteps: 400)
        let cases: [([Int32], [Int32])] = [([300], [10, 40, 44, 290, 299]), ([], [5, 9]), ([7], []), ([20, 60], [5, 30, 45, 58]),
                                           ([100], [97, 98]), ([3, 6, 9], [1, 2, 3, 4]), ([3, 6, 9], [2, 7])]
        for (post, pre) in cases {
            XCTAssertEqual(Double(kernel.pair(post: post, pre: pre)), parameters.direct(post: post, pre: pre), accuracy: 1e-6, "\(post) | \(pre)")
        }
    }

    func testTargetInjectionSpacing() {
        let spikes = TargetInjection.spikes(timeSteps: 400, desiredCount: 35)
        XCTAssertEqual(spikes.count, 36)
        XCTAssertEqual(spikes.first, 11)
        XCTAssertEqual(spikes.last, 396)
        XCTAssertEqual(TargetInjection.spikes(timeSteps: 450, desiredCount: 35).count, 37)
        XCTAssertEqual(TargetInjection.spikes(timeSteps: 400, desiredCount: 0), [], "desired 0 is guarded")
    }

    func testLateralFactorIsOneWithoutCoupledActivityAndAboveOneWithIt() {
        let kernel = SPSPKernel(parameters: SPSPParameters(constants: NeuronConstants(timeSteps: 400)), timeSteps: 400)
        let silent = LateralFactor.compute(outputTimes: [[], [], []], label: 1, threshold: 8, strength: 1, kernel: kernel)
        XCTAssertEqual(silent, [1, 1, 1])
        let active = LateralFactor.compute(outputTimes: [[10, 50, 90], [12, 52, 95], []], label: 0, threshold: 8, strength: 1,
                                           kernel: kernel)
        XCTAssertGreaterThan(active[0], 1)
        XCTAssertGreaterThan(active[1], 1)
        XCTAssertEqual(active[2], 1)
    }

    func testPredictionTiesGoToTheLowestIndex() {
        XCTAssertEqual(predictedClass([0, 0, 0]), 0)
        XCTAssertEqual(predictedClass([1, 3, 3]), 1)
        XCTAssertEqual(predictedClass([1, 2, 5]), 2)
    }
}
