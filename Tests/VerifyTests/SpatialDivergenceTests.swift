import Kernels
import SpikeModel
import XCTest
@testable import Verify

/// Where a CNN's float and fixed-point spikes first differ in a convolution or pooling layer,
/// verify prints the float neuron's state, traced on its own (`DivergenceFinder.spatialTrace`).
final class SpatialDivergenceTests: XCTestCase {
    func testASpatialNeuronTracedAloneSpikesAsInItsLayer() {
        var random = SplitMix64(seed: 9)
        let constants = NeuronConstants(timeSteps: 80)
        let conv = ConvolutionLayer(input: FeatureMapShape(channels: 2, height: 7, width: 7), kernelCount: 3, kernelSize: 3, threshold: 1,
                                    weights: (0..<(3 * 2 * 9)).map { _ in Float.random(in: -0.3...0.8, using: &random) })
        let pool = PoolingLayer(input: conv.output, size: 5, threshold: 0.75)
        var input = SpikeRaster(neuronCount: conv.input.count, timeSteps: constants.timeSteps)
        for _ in 0..<constants.timeSteps {
            input.appendStep((0..<Int32(conv.input.count)).filter { _ in random.next() % 3 == 0 })
        }
        let convSpikes = FloatSimulator.runSpatialLayer(.convolution(conv), constants: constants, input: input, parallel: false)
        let poolSpikes = FloatSimulator.runSpatialLayer(.pooling(pool), constants: constants, input: convSpikes, parallel: false)
        XCTAssertGreaterThan(convSpikes.counts().reduce(0, +), 0)
        XCTAssertGreaterThan(poolSpikes.counts().reduce(0, +), 0)
        for (layer, below, above) in [(SpatialLayer.convolution(conv), input, convSpikes), (.pooling(pool), convSpikes, poolSpikes)] {
            for neuron in stride(from: 0, to: layer.output.count, by: 4) {
                let (alone, trace) = DivergenceFinder.spatialTrace(layer, neuron: neuron, constants: constants, input: below)
                XCTAssertEqual(trace.membrane.count, constants.timeSteps)
                XCTAssertFalse(trace.membrane.contains { $0.isNaN })
                let firedInLayer = (0..<constants.timeSteps).filter { above.firing(at: $0).contains(Int32(neuron)) }
                let firedAlone = (0..<constants.timeSteps).filter { !alone.firing(at: $0).isEmpty }
                XCTAssertEqual(firedAlone, firedInLayer, "\(layer.token) neuron \(neuron)")
            }
        }
    }
}
