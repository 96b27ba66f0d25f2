import Foundation
import SpikeData
import SpikeModel
import XCTest
@testable import HM2BPTrain

/// The HM2-BP authors' golden test of a small spiking CNN (algorithm section 7,
/// Fixtures/cnn_mnist, see its README), end to end: 28x28-5C5-P2-3C5-P2-100-10 at T = 450 from the
/// recorded input spikes (label 5). The simulator must reproduce every spike of every layer,
/// and one training step must move all 6300 weights (both kernels, fc and output) as the
/// authors' code did.
final class GoldenCNNConformanceTests: XCTestCase {
    let golden = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/cnn_mnist").path
    let constants = NeuronConstants(tauM: 64, tauS: 8, refractorySteps: 2, timeSteps: 450)

    /// conv1 5 kernels 5x5 (VTH 5), pool1 (2), conv2 3 kernels 5x5x5 (5), pool2 (2), fc 48->100
    /// (10), output 100->10 (5, lateral inhibition 1): the golden config.
    func goldenNetwork() throws -> Network {
        let conv1 = ConvolutionLayer(input: FeatureMapShape(channels: 1, height: 28, width: 28), kernelCount: 5, kernelSize: 5,
                                     threshold: 5, weights: try floats("weights/conv1_info.txt", count: 125))
        let pool1 = PoolingLayer(input: conv1.output, size: 2, threshold: 2)
        let conv2 = ConvolutionLayer(input: pool1.output, kernelCount: 3, kernelSize: 5, threshold: 5,
                                     weights: try floats("weights/conv2_info.txt", count: 375))
        let pool2 = PoolingLayer(input: conv2.output, size: 2, threshold: 2)
        let hidden = DenseLayer(inputCount: 48, outputCount: 100, threshold: 10,
                                weights: try denseWeights("weights/hidden_info.txt", inputs: 48, outputs: 100))
        let output = DenseLayer(inputCount: 100, outputCount: 10, threshold: 5, lateralInhibition: 1,
                                weights: try denseWeights("weights/output_info.txt", inputs: 100, outputs: 10))
        return Network(constants: constants, spatialLayers: [.convolution(conv1), .pooling(pool1), .convolution(conv2), .pooling(pool2)],
                       layers: [hidden, output])
    }

    func testEverySpikeOfEveryLayerMatchesTheAuthors() throws {
        let network = try goldenNetwork()
        let input = try sparseSpikes("input_spikes_0_5.dat.gz", neurons: 784)
        XCTAssertEqual(input.totalSpikes, 8927, "the recorded input")
        let spikes = FloatSimulator.run(network, input: input)
        let expected = [
            try denseSpikes("spikes/conv1/train/conv1_1.dat.gz", shape: FeatureMapShape(channels: 5, height: 24, width: 24)),
            try denseSpikes("spikes/pool1/train/pool1_1.dat.gz", shape: FeatureMapShape(channels: 5, height: 12, width: 12)),
            try denseSpikes("spikes/conv2/train/conv2_1.dat.gz", shape: FeatureMapShape(channels: 3, height: 8, width: 8)),
            try denseSpikes("spikes/pool2/train/pool2_1.dat", shape: FeatureMapShape(channels: 3, height: 4, width: 4)),
            try sparseSpikes("spikes/hidden/train/hidden.dat", neurons: 100),
            try sparseSpikes("spikes/output/train/output.dat", neurons: 10),
        ]
        XCTAssertEqual(expected.map(\.totalSpikes), [15747, 5150, 1810, 601, 127, 0], "the recorded totals")
        XCTAssertEqual(spikes.map(\.totalSpikes), [15747, 5150, 1810, 601, 127, 0])
        for (layer, (ours, theirs)) in zip(["conv1", "pool1", "conv2", "pool2", "hidden", "output"], zip(spikes, expected)) {
            let mismatched = zip(ours.spikeTimes(), theirs.spikeTimes()).filter { $0 != $1 }.count
            XCTAssertEqual(mismatched, 0, "\(layer): neurons whose spike times differ from the authors'")
        }
    }

    func testOneUpdateMovesEveryWeightAsTheAuthorsDid() throws {
        var config = TrainingConfig()
        config.regularizerLambda = 10
        config.regularizerBeta = 0.4
        config.regularizerExactGradient = false  // the golden data came from the repository's code
        config.weightLimit = 8
        let learner = Learner(network: try goldenNetwork(), config: config)
        let result = learner.train(input: try sparseSpikes("input_spikes_0_5.dat.gz", neurons: 784), label: 5, learningRate: 0.001)
        XCTAssertEqual(result.cost, 1225, "δ_5 = -35, every other error inside the margin")
        XCTAssertEqual(result.spikesPerLayer, [15747, 5150, 1810, 601, 127, 0])

        let trained = learner.network
        let kernels = trained.spatialLayers.compactMap { layer -> [Float]? in
            if case .convolution(let conv) = layer { return conv.weights }
            return nil
        }
        let comparisons: [(String, [Float], [Float])] = [
            ("conv1", kernels[0], try floats("weights/conv1_info_trained.txt", count: 125)),
            ("conv2", kernels[1], try floats("weights/conv2_info_trained.txt", count: 375)),
            ("hidden", trained.layers[0].weights, try denseWeights("weights/hidden_info_trained.txt", inputs: 48, outputs: 100)),
            ("output", trained.layers[1].weights, try denseWeights("weights/output_info_trained.txt", inputs: 100, outputs: 10)),
        ]
        let initial = try goldenNetwork()
        XCTAssertNotEqual(kernels[0], initial.spatialLayers.first.flatMap { if case .convolution(let c) = $0 { return c.weights } else { return nil } },
                          "the update moved conv1")
        for (name, ours, theirs) in comparisons {
            let mismatches = zip(ours, theirs).filter { abs($0 - $1) > 1e-4 }.count
            XCTAssertEqual(mismatches, 0, "\(name): weights differing from the authors' after one update (of \(ours.count))")
        }
    }

    // MARK: - The authors' file formats (Fixtures/cnn_mnist/README.md)

    func text(_ name: String) throws -> String {
        String(decoding: try FileBytes.read(golden + "/" + name), as: UTF8.self)
    }

    func fields(_ line: Substring) -> [Substring] { line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" }) }

    /// Plain whitespace-separated floats (conv kernels: kernel, channel, row, column).
    func floats(_ name: String, count: Int) throws -> [Float] {
        let values = try text(name).split(whereSeparator: { $0.isWhitespace }).map { Float($0) }
        XCTAssertEqual(values.count, count, name)
        return try values.map { try XCTUnwrap($0, "\(name): not a number") }
    }

    /// Dense 0/1 spikes ordered channel, time, position (position = row * width + column).
    func denseSpikes(_ name: String, shape: FeatureMapShape) throws -> SpikeRaster {
        let bytes = try FileBytes.read(golden + "/" + name)
        let flags = bytes.filter { $0 == UInt8(ascii: "0") || $0 == UInt8(ascii: "1") }
        XCTAssertEqual(flags.count, shape.count * constants.timeSteps, name)
        var times = [[Int]](repeating: [], count: shape.count)
        for c in 0..<shape.channels {
            for t in 0..<constants.timeSteps {
                for p in 0..<shape.positions where flags[(c * constants.timeSteps + t) * shape.positions + p] == UInt8(ascii: "1") {
                    times[c * shape.positions + p].append(t)
                }
            }
        }
        return SpikeRaster(neuronCount: shape.count, timeSteps: constants.timeSteps, spikeTimes: times)
    }

    /// Sparse spikes: "-1 -1" lines, then "neuron time" pairs.
    func sparseSpikes(_ name: String, neurons: Int) throws -> SpikeRaster {
        var times = [[Int]](repeating: [], count: neurons)
        for line in try text(name).split(separator: "\n") {
            let pair = fields(line).compactMap { Int($0) }
            guard pair.count == 2, pair[0] >= 0 else { continue }
            times[pair[0]].append(pair[1])
        }
        return SpikeRaster(neuronCount: neurons, timeSteps: constants.timeSteps, spikeTimes: times.map { $0.sorted() })
    }

    /// Lines "index pre_name post_name weight"; neuron indices are the suffixes after the last '_'.
    func denseWeights(_ name: String, inputs: Int, outputs: Int) throws -> [Float] {
        var result = [Float](repeating: .nan, count: inputs * outputs)
        for line in try text(name).split(separator: "\n") {
            let parts = fields(line)
            guard parts.count == 4, let pre = parts[1].split(separator: "_").last.flatMap({ Int($0) }),
                  let post = parts[2].split(separator: "_").last.flatMap({ Int($0) }), let w = Float(parts[3]) else { continue }
            result[pre * outputs + post] = w
        }
        XCTAssertFalse(result.contains { $0.isNaN }, "\(name) must define every weight")
        return result
    }
}
