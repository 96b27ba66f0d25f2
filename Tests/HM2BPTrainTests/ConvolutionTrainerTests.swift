import Kernels
import SpikeModel
import XCTest
@testable import HM2BPTrain

/// The convolution backward pass against the fully connected one on the same network written
/// out with explicit synapses: a kernel weight's gradient must be the sum of the dense
/// gradients of every synapse that shares it, and the errors for the layer below must agree.
/// Non-square, two-channel maps with silent and active neurons (the golden test has neither).
final class ConvolutionTrainerTests: XCTestCase {
    func testSharedKernelGradientsAndErrorsEqualTheExpandedDenseLayer() throws {
        let constants = NeuronConstants(timeSteps: 160)
        let input = FeatureMapShape(channels: 2, height: 6, width: 9)
        var generator = SplitMix64(seed: 11)
        var conv = ConvolutionLayer(input: input, kernelCount: 3, kernelSize: 3, threshold: 2,
                                    weights: (0..<54).map { _ in Float.random(in: -0.4...1, using: &generator) })
        for v in 36..<54 { conv.weights[v] = -abs(conv.weights[v]) }  // kernel 2 stays silent
        let inputTimes = (0..<input.count).map { _ in (1..<constants.timeSteps).filter { _ in Float.random(in: 0..<1, using: &generator) < 0.12 } }
        let inputRaster = SpikeRaster(neuronCount: input.count, timeSteps: constants.timeSteps, spikeTimes: inputTimes)
        let outputRaster = FloatSimulator.runSpatialLayer(.convolution(conv), constants: constants, input: inputRaster)
        let out = conv.output
        let counts = outputRaster.counts()
        XCTAssertTrue(counts.contains(0) && counts.contains { $0 > 3 }, "the case needs silent and active neurons")
        let delta = (0..<out.count).map { i in i % 7 == 3 ? 0 : Float.random(in: -2...2, using: &generator) }

        // The same layer with explicit synapses: input j -> neuron i carries w_a[c, p, q].
        var dense = DenseLayer(inputCount: input.count, outputCount: out.count, threshold: conv.threshold,
                               weights: [Float](repeating: 0, count: input.count * out.count))
        var sharedWeight = [Int](repeating: -1, count: input.count * out.count)
        for a in 0..<out.channels { for x in 0..<out.height { for y in 0..<out.width {
            let i = out.index(channel: a, row: x, column: y)
            for c in 0..<input.channels { for p in 0..<3 { for q in 0..<3 {
                let j = input.index(channel: c, row: x + p, column: y + q)
                let v = ((a * input.channels + c) * 3 + p) * 3 + q
                dense.weights[j * out.count + i] = conv.weights[v]
                sharedWeight[j * out.count + i] = v
            } } }
        } } }

        var config = TrainingConfig()
        config.regularizerLambda = 0
        let kernel = SPSPKernel(parameters: SPSPParameters(constants: constants), timeSteps: constants.timeSteps)
        let sample = LayerTrainer.Sample(inputTrains: SpikeTrains(inputRaster), inputCounts: inputRaster.counts(),
                                         postTrains: SpikeTrains(outputRaster), postCounts: counts, delta: delta, lateralFactor: nil)
        let convTrainer = ConvolutionTrainer(layer: conv, constants: constants, kernel: kernel)
        let convErrors = try XCTUnwrap(convTrainer.backward(sample, layer: &conv, config: config, learningRate: 0.001, propagate: true))

        let denseTrainer = LayerTrainer(inputCount: input.count, outputCount: out.count, constants: constants, kernel: kernel)
        let sink = UnsafeMutablePointer<Float>.allocate(capacity: dense.weights.count)
        defer { sink.deallocate() }
        let denseErrors = try XCTUnwrap(denseTrainer.backward(sample, layer: &dense, config: config, learningRate: 0.001,
                                                              propagate: true, gradientSink: sink))
        var expected = [Double](repeating: 0, count: 54)
        for (index, v) in sharedWeight.enumerated() where v >= 0 { expected[v] += Double(sink[index]) }

        for v in 0..<54 {
            XCTAssertEqual(Double(convTrainer.gradient[v]), expected[v], accuracy: 1e-3 * max(1, abs(expected[v])), "kernel weight \(v)")
        }
        for j in 0..<input.count {
            XCTAssertEqual(convErrors[j], denseErrors[j], accuracy: 1e-4 * max(1, abs(denseErrors[j])), "error of input \(j)")
        }
        XCTAssertGreaterThan(expected.filter { abs($0) > 0.1 }.count, 30, "most kernel weights get a real gradient")
    }
}
