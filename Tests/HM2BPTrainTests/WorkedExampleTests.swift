import SpikeModel
import XCTest
@testable import HM2BPTrain

/// The worked example of algorithm section 7: 2 inputs -> 1 output, tauM 64, tauS 8, Tr 2,
/// VTH 1, T 12, w = (3, 2); input 0 fires at 1, 2, 3, 4 and input 1 at 2, 7.
final class WorkedExampleTests: XCTestCase {
    let constants = NeuronConstants(tauM: 64, tauS: 8, refractorySteps: 2, timeSteps: 12)
    var layer: DenseLayer { DenseLayer(inputCount: 2, outputCount: 1, threshold: 1, weights: [3, 2]) }
    var input: SpikeRaster { SpikeRaster(neuronCount: 2, timeSteps: 12, spikeTimes: [[1, 2, 3, 4], [2, 7]]) }

    func testForwardTraceMatchesTheTable() {
        let (output, trace) = FloatSimulator.traceLayer(layer, constants: constants, input: input)
        XCTAssertEqual(output.spikeTimes(), [[3, 6, 9]])
        let expectedCurrent: [Float] = [0, 0, 3.000000, 7.625000, 9.671875, 11.462891, 10.030029, 8.776276, 9.679241, 8.469336, 7.410669, 6.484335]
        let expectedMembrane: [Float] = [0, 0, 0.375000, 1.322266, 0, 0, 1.253754, 0, 0, 1.058667, 0, 0]
        for t in 0..<12 {
            XCTAssertEqual(trace.current[t], expectedCurrent[t], accuracy: 1e-5, "I at t=\(t)")
            XCTAssertEqual(trace.membrane[t], expectedMembrane[t], accuracy: 1e-5, "v at t=\(t)")
        }
    }

    func testSPSPVectorsDirectAndKernel() {
        let parameters = SPSPParameters(constants: constants)
        let post: [Int32] = [3, 6, 9]
        XCTAssertEqual(parameters.direct(post: post, pre: [1, 2, 3, 4]), 0.614233, accuracy: 1e-6)
        XCTAssertEqual(parameters.direct(post: post, pre: [2, 7]), 0.173577, accuracy: 1e-6)
        let trainer = LayerTrainer(inputCount: 2, outputCount: 1, constants: constants,
                                   kernel: SPSPKernel(parameters: parameters, timeSteps: 12))
        var weights = layer
        var config = TrainingConfig()
        config.regularizerLambda = 0
        _ = trainer.backward(sample(delta: 3), layer: &weights, config: config, learningRate: 0, propagate: false)
        XCTAssertEqual(trainer.spsp.element(0, 0), 0.614233, accuracy: 1e-5)
        XCTAssertEqual(trainer.spsp.element(1, 0), 0.173577, accuracy: 1e-5)
    }

    func testExtraSPSPVectors() {
        let parameters = SPSPParameters(constants: NeuronConstants(timeSteps: 400))
        XCTAssertEqual(parameters.direct(post: [300], pre: [10, 40, 44, 290, 299]), 0.609731, accuracy: 1e-6)
        XCTAssertEqual(parameters.direct(post: [], pre: [5, 9]), 0.1, accuracy: 1e-7)
        XCTAssertEqual(parameters.direct(post: [7], pre: []), 0)
        XCTAssertEqual(parameters.direct(post: [20, 60], pre: [5, 30, 45, 58]), 2.214108, accuracy: 1e-6)
        XCTAssertEqual(parameters.direct(post: [100], pre: [97, 98]), 0.116571, accuracy: 1e-6)
    }

    func testGradientAndPropagatedErrorForTargetZero() {
        let (gradient, error) = backward(delta: 3)
        XCTAssertEqual(gradient[0], 3.187779, accuracy: 1e-5)
        XCTAssertEqual(gradient[1], 0.900841, accuracy: 1e-5)
        XCTAssertEqual(error[0], 1.382024, accuracy: 1e-5)
        XCTAssertEqual(error[1], 0.520732, accuracy: 1e-5)
    }

    func testGradientAndPropagatedErrorForTargetFour() {
        let (gradient, error) = backward(delta: -1)
        XCTAssertEqual(gradient[0], -1.062593, accuracy: 1e-5)
        XCTAssertEqual(gradient[1], -0.300280, accuracy: 1e-5)
        XCTAssertEqual(error[0], -0.460675, accuracy: 1e-5)
        XCTAssertEqual(error[1], -0.173577, accuracy: 1e-5)
    }

    func testOutputErrorFromCountsMatchesTheExampleDeltas() {
        var config = TrainingConfig()
        config.margin = 0
        config.desiredCount = 0
        XCTAssertEqual(OutputError(counts: [3], label: 0, boostWeight: 1, config: config).gradient, [3])
        config.desiredCount = 4
        XCTAssertEqual(OutputError(counts: [3], label: 0, boostWeight: 1, config: config).gradient, [-1])
        config.margin = 5
        XCTAssertEqual(OutputError(counts: [3], label: 0, boostWeight: 2, config: config).gradient, [0], "inside the dead zone")
    }

    private func sample(delta: Float) -> LayerTrainer.Sample {
        LayerTrainer.Sample(inputTrains: SpikeTrains(input), inputCounts: input.counts(), postTrains: SpikeTrains(perNeuron: [[3, 6, 9]]), postCounts: [3],
                            delta: [delta], lateralFactor: nil)
    }

    /// The gradient (no regularizer) and err_j of the example, through the real backward pass.
    private func backward(delta: Float) -> ([Float], [Float]) {
        let parameters = SPSPParameters(constants: constants)
        let trainer = LayerTrainer(inputCount: 2, outputCount: 1, constants: constants,
                                   kernel: SPSPKernel(parameters: parameters, timeSteps: 12))
        var config = TrainingConfig()
        config.regularizerLambda = 0
        var weights = layer
        var gradient = [Float](repeating: 0, count: 2)
        let error = gradient.withUnsafeMutableBufferPointer {
            trainer.backward(sample(delta: delta), layer: &weights, config: config, learningRate: 0.001,
                             propagate: true, gradientSink: $0.baseAddress!)
        }
        // First Adam step moves every weight by lr against the gradient's sign.
        XCTAssertEqual(weights.weights[0], 3 - 0.001 * (gradient[0] > 0 ? 1 : -1), accuracy: 1e-6)
        return (gradient, error ?? [])
    }

    /// The two regularizer forms differ exactly by the factor 2/(N·L) (N inputs, L the weight
    /// limit): with no data gradient (δ = 0) the gradient is the regularizer alone.
    func testRegularizerFormsDifferByTwoOverNL() {
        var gradients: [[Float]] = []
        for exact in [false, true] {
            let parameters = SPSPParameters(constants: constants)
            let trainer = LayerTrainer(inputCount: 2, outputCount: 1, constants: constants,
                                       kernel: SPSPKernel(parameters: parameters, timeSteps: 12))
            var config = TrainingConfig()
            config.regularizerExactGradient = exact
            var weights = layer
            var gradient = [Float](repeating: 0, count: 2)
            gradient.withUnsafeMutableBufferPointer {
                _ = trainer.backward(sample(delta: 0), layer: &weights, config: config, learningRate: 0.001,
                                     propagate: false, gradientSink: $0.baseAddress!)
            }
            gradients.append(gradient)
        }
        // q = mean((w/8)^2) over w = (3, 2); R' = λβ(w/L)exp(β(q − 1)) for the code's form.
        let q: Float = ((3.0 / 8) * (3.0 / 8) + (2.0 / 8) * (2.0 / 8)) / 2
        XCTAssertEqual(gradients[0][0], 10 * 0.04 * (3.0 / 8) * expf(0.04 * (q - 1)), accuracy: 1e-6)
        XCTAssertEqual(gradients[1][0], gradients[0][0] * 2 / (2 * 8), accuracy: 1e-7)
        XCTAssertEqual(gradients[1][1], gradients[0][1] * 2 / (2 * 8), accuracy: 1e-7)
    }
}
