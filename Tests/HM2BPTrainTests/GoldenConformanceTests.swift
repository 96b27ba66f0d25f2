import Foundation
import SpikeModel
import XCTest
@testable import HM2BPTrain

/// The HM2-BP authors' golden test (algorithm section 7, `hm2bp-golden/cnn_mnist`), on its fully
/// connected part: pool2's recorded spikes drive fc 48->100 (VTH 10) and output 100->10 (VTH 5,
/// lateral -1), T = 450. The simulator must reproduce every recorded hidden spike and the silent
/// output, and one training step must move every weight exactly as the authors' code did.
final class GoldenConformanceTests: XCTestCase {
    /// The authors' files this test reads, committed under Fixtures (see the README there).
    var golden: String { URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/cnn_mnist").path }
    let constants = NeuronConstants(tauM: 64, tauS: 8, refractorySteps: 2, timeSteps: 450)

    func testFullyConnectedLayersReproduceTheAuthorsSpikesAndFirstUpdate() throws {
        let input = try denseSpikes(golden + "/spikes/pool2/train/pool2_1.dat", channels: 3, positions: 16)
        XCTAssertEqual(input.totalSpikes, 601, "pool2 total of the golden run")
        let hidden = DenseLayer(inputCount: 48, outputCount: 100, threshold: 10,
                                weights: try weights(golden + "/weights/hidden_info.txt", inputs: 48, outputs: 100))
        let output = DenseLayer(inputCount: 100, outputCount: 10, threshold: 5, lateralInhibition: 1,
                                weights: try weights(golden + "/weights/output_info.txt", inputs: 100, outputs: 10))
        let network = Network(constants: constants, layers: [hidden, output])

        let spikes = FloatSimulator.run(network, input: input)
        let expectedHidden = try sparseSpikes(golden + "/spikes/hidden/train/hidden.dat", neurons: 100)
        XCTAssertEqual(spikes[0].totalSpikes, 127)
        XCTAssertEqual(spikes[0], expectedHidden, "every hidden spike, neuron and time")
        XCTAssertEqual(spikes[1].totalSpikes, 0, "the output layer stays silent")

        var config = TrainingConfig()
        config.regularizerLambda = 10
        config.regularizerExactGradient = false  // the golden data came from the repository's code
        config.regularizerBeta = 0.4
        config.weightLimit = 8
        let learner = Learner(network: network, config: config)
        let result = learner.train(input: input, label: 5, learningRate: 0.001)
        XCTAssertEqual(result.cost, 1225, "δ_5 = -35, every other error inside the margin")
        let trainedHidden = try weights(golden + "/weights/hidden_info_trained.txt", inputs: 48, outputs: 100)
        let trainedOutput = try weights(golden + "/weights/output_info_trained.txt", inputs: 100, outputs: 10)
        var mismatches = 0
        for (ours, theirs) in zip(learner.network.layers[0].weights + learner.network.layers[1].weights, trainedHidden + trainedOutput)
            where abs(ours - theirs) > 1e-4 { mismatches += 1 }
        XCTAssertEqual(mismatches, 0, "weights differing from the authors' after one update (of 5800)")
    }

    /// Dense 0/1 spikes ordered channel, time, position; neuron = channel * positions + position.
    func denseSpikes(_ path: String, channels: Int, positions: Int) throws -> SpikeRaster {
        let values = try String(contentsOfFile: path, encoding: .utf8).split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" })
        XCTAssertEqual(values.count, channels * constants.timeSteps * positions)
        var times = [[Int]](repeating: [], count: channels * positions)
        for c in 0..<channels {
            for t in 0..<constants.timeSteps {
                for p in 0..<positions where values[(c * constants.timeSteps + t) * positions + p] == "1" {
                    times[c * positions + p].append(t)
                }
            }
        }
        return SpikeRaster(neuronCount: channels * positions, timeSteps: constants.timeSteps, spikeTimes: times)
    }

    /// Sparse spikes: a "-1 -1" line, then "neuron time" pairs.
    func sparseSpikes(_ path: String, neurons: Int) throws -> SpikeRaster {
        var times = [[Int]](repeating: [], count: neurons)
        for line in try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n") {
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).compactMap { Int($0) }
            guard fields.count == 2, fields[0] >= 0 else { continue }
            times[fields[0]].append(fields[1])
        }
        return SpikeRaster(neuronCount: neurons, timeSteps: constants.timeSteps, spikeTimes: times.map { $0.sorted() })
    }

    /// Lines "index pre_name post_name weight"; neuron indices are the suffixes after the last '_'.
    func weights(_ path: String, inputs: Int, outputs: Int) throws -> [Float] {
        var result = [Float](repeating: .nan, count: inputs * outputs)
        for line in try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n") {
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard fields.count == 4, let pre = fields[1].split(separator: "_").last.flatMap({ Int($0) }),
                  let post = fields[2].split(separator: "_").last.flatMap({ Int($0) }), let w = Float(fields[3]) else { continue }
            result[pre * outputs + post] = w
        }
        XCTAssertFalse(result.contains { $0.isNaN }, "\(path) must define every weight")
        return result
    }
}
