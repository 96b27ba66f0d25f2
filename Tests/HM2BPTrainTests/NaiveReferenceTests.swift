import Kernels
import Foundation
import SpikeModel
import XCTest
@testable import HM2BPTrain

/// The fast Learner against a plain, loop-by-loop transcription of the reference backward pass
/// (algorithm section 4.5, `layers/Spiking.cu` of the authors' code) on a small network whose
/// output layer FIRES: the paths the golden case (silent output) cannot see — side effect
/// e/o of firing outputs, r = e/o_j into the hidden error, lateral factor, margin, boost,
/// target injection — must all agree weight by weight after several Adam steps.
final class NaiveReferenceTests: XCTestCase {
    let constants = NeuronConstants(tauM: 64, tauS: 8, refractorySteps: 2, timeSteps: 160)

    func testLearnerMatchesTheNaiveTranscriptionWithFiringOutputs() {
        var generator = SplitMix64(seed: 7)
        var config = TrainingConfig()
        config.regularizerExactGradient = false  // the transcription is of the repository's code
        config.desiredCount = 12
        config.undesiredCount = 2
        config.margin = 1
        let sizes = [40, 24, 6]
        var layers: [DenseLayer] = []
        for index in 1..<sizes.count {
            let isOutput = index == sizes.count - 1
            layers.append(DenseLayer(
                inputCount: sizes[index - 1], outputCount: sizes[index], threshold: isOutput ? 3 : 4,
                lateralInhibition: isOutput ? 1 : 0,
                weights: (0..<(sizes[index - 1] * sizes[index])).map { _ in Float.random(in: -1...1, using: &generator) }))
        }
        let network = Network(constants: constants, layers: layers)
        let learner = Learner(network: network, config: config)
        var naive = NaiveLearner(network: network, config: config)

        var firingOutputs = 0, silentTargets = 0
        for sampleIndex in 0..<6 {
            let times: [[Int]] = (0..<sizes[0]).map { _ in
                let rate = Double.random(in: 0..<0.15, using: &generator)
                return (1..<constants.timeSteps).filter { _ in Double.random(in: 0..<1, using: &generator) < rate }
            }
            let input = SpikeRaster(neuronCount: sizes[0], timeSteps: constants.timeSteps, spikeTimes: times)
            let label = sampleIndex % sizes.last!
            let boost: Float = sampleIndex == 3 ? 1.5 : 1
            let observed = naive.train(input: input, label: label, boostWeight: boost, learningRate: 0.002)
            firingOutputs += observed.firingOutputs
            if observed.targetSilent { silentTargets += 1 }
            learner.train(input: input, label: label, boostWeight: boost, learningRate: 0.002)
            for (layerIndex, (fast, slow)) in zip(learner.network.layers, naive.network.layers).enumerated() {
                var worst: Float = 0
                for (a, b) in zip(fast.weights, slow.weights) { worst = max(worst, abs(a - b)) }
                XCTAssertLessThan(worst, 1e-6, "sample \(sampleIndex), layer \(layerIndex): largest weight difference")
            }
        }
        XCTAssertGreaterThan(firingOutputs, 6, "the case must exercise firing output neurons")
        XCTAssertGreaterThan(silentTargets, 0, "the case must exercise target injection")
    }
}

/// The reference semantics written as directly as possible, in Double, weights post-major.
struct NaiveLearner {
    var network: Network
    let config: TrainingConfig
    let spsp: SPSPParameters
    var first: [[Double]], second: [[Double]]
    var step = 0

    init(network: Network, config: TrainingConfig) {
        self.network = network
        self.config = config
        spsp = SPSPParameters(constants: network.constants, silentPostValue: config.silentPostSPSP)
        first = network.layers.map { [Double](repeating: 0, count: $0.weights.count) }
        second = first
    }

    struct Observed { var firingOutputs: Int; var targetSilent: Bool }

    mutating func train(input: SpikeRaster, label: Int, boostWeight: Float, learningRate: Float) -> Observed {
        let outputs = FloatSimulator.run(network, input: input, parallel: false)
        var trains = [input.spikeTimes()] + outputs.map { $0.spikeTimes() }
        let last = network.layers.count - 1
        let outputLayer = network.layers[last]
        let counts = trains[last + 1].map(\.count)
        // g_getDelta_output, g_boostWeight_output.
        var delta = counts.indices.map { i -> Double in
            let desired = Double(i == label ? config.desiredCount : config.undesiredCount)
            let difference = Double(counts[i]) - desired
            return abs(difference) > Double(config.margin) ? difference * Double(boostWeight) : 0
        }
        // g_getLateralFactor_output, on the actual output trains.
        let nu = Double(outputLayer.threshold), w0 = Double(outputLayer.lateralInhibition)
        let lateral = counts.indices.map { j -> Double in
            let dj = counts[j] > 0 || j == label ? 1 / nu : 0
            var sum = 0.0
            for l in counts.indices where l != j {
                let dl = counts[l] > 0 || l == label ? 1 / nu : 0
                let ejl = spsp.direct(post: trains[last + 1][l], pre: trains[last + 1][j])
                let rjl = counts[j] == 0 || counts[l] == 0 ? 1 : ejl / Double(counts[j])
                let elj = spsp.direct(post: trains[last + 1][j], pre: trains[last + 1][l])
                let rlj = counts[l] == 0 || counts[j] == 0 ? 1 : elj / Double(counts[l])
                sum += rjl * dl * rlj * dj
            }
            return 1 / (1 - sum * w0 * w0)
        }
        // g_modifySpikes.
        let targetSilent = counts[label] == 0
        if targetSilent {
            let interval = network.constants.timeSteps / Int(config.desiredCount)
            trains[last + 1][label] = stride(from: interval, to: network.constants.timeSteps, by: interval).map { Int32($0) }
        }
        step += 1
        for k in stride(from: last, through: 0, by: -1) {
            let layer = network.layers[k]
            let (nIn, nOut) = (layer.inputCount, layer.outputCount)
            let post = trains[k + 1], pre = trains[k]
            let postCount = post.map(\.count), preCount = pre.map(\.count)
            func w(_ i: Int, _ j: Int) -> Double { Double(layer.weight(from: j, to: i)) }
            var e = [[Double]](repeating: [Double](repeating: 0, count: nIn), count: nOut)
            for i in 0..<nOut { for j in 0..<nIn { e[i][j] = spsp.direct(post: post[i], pre: pre[j]) } }
            // g_divide_by_threshold, then preDelta = curDelta × (ratio · w).
            let d = delta.map { $0 / Double(layer.threshold) }
            var below = [Double](repeating: 0, count: nIn)
            for j in 0..<nIn {
                for i in 0..<nOut {
                    let ratio = preCount[j] == 0 || postCount[i] == 0 ? 1 : e[i][j] / Double(preCount[j])
                    below[j] += d[i] * ratio * w(i, j)
                }
            }
            // g_Spiking_wgrad_sideEffect, g_Spiking_wgrad_spiketime, g_Spiking_gradAdd, Adam.
            let limit = Double(config.weightLimit), lambda = Double(config.regularizerLambda), beta = Double(config.regularizerBeta)
            var updated = layer.weights
            for i in 0..<nOut {
                var side = 0.0, squares = 0.0
                for j in 0..<nIn {
                    side += w(i, j) * (postCount[i] == 0 ? Double(config.silentPostRatio) : e[i][j] / Double(postCount[i]))
                    squares += (w(i, j) / limit) * (w(i, j) / limit)
                }
                side /= Double(layer.threshold)
                let q = squares / Double(nIn)
                let lat = k == last ? lateral[i] : 1
                for j in 0..<nIn {
                    let g = d[i] * e[i][j] * (1 + side) * lat + lambda * beta * (w(i, j) / limit) * exp(beta * (q - 1))
                    let index = j * nOut + i
                    let b1 = Double(config.adamBeta1), b2 = Double(config.adamBeta2)
                    first[k][index] = b1 * first[k][index] + (1 - b1) * g
                    second[k][index] = b2 * second[k][index] + (1 - b2) * g * g
                    let mHat = first[k][index] / (1 - pow(b1, Double(step)))
                    let vHat = second[k][index] / (1 - pow(b2, Double(step)))
                    updated[index] = Float(w(i, j) - Double(learningRate) * mHat / (vHat.squareRoot() + Double(config.adamEpsilon)))
                }
            }
            network.layers[k].weights = updated
            delta = below
        }
        return Observed(firingOutputs: counts.filter { $0 > 0 }.count, targetSilent: targetSilent)
    }
}
