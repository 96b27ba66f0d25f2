import COpenBLAS
import Foundation
import HM2BPTrain
import Kernels
import SpikeModel

/// Measures the trainer on synthetic MNIST-like input (the same spike statistics: about 150
/// active pixels firing at up to 0.18 per step), so it needs no data set.
enum TrainBenchmark {
    static func run(_ arguments: [String]) throws {
        let samples = arguments.first.flatMap(Int.init) ?? 300
        let constants = NeuronConstants()
        var generator = SplitMix64(seed: 7)
        let inputs = (0..<64).map { _ in syntheticInput(timeSteps: constants.timeSteps, using: &generator) }
        let meanInputSpikes = Double(inputs.map(\.totalSpikes).reduce(0, +)) / Double(inputs.count)
        let config = TrainingConfig()
        let learner = Learner(network: config.initialNetwork(architecture: [784, 800, 10], constants: constants, seed: 1), config: config)
        print("machine: \(ProcessInfo.processInfo.activeProcessorCount) cores; workers \(Parallel.workerCount)")
        print("input: synthetic, mean \(Int(meanInputSpikes)) spikes per sample over T=\(constants.timeSteps)")
        for i in 0..<20 { learner.train(input: inputs[i % inputs.count], label: i % 10, learningRate: 0.001) }
        var start = Date()
        for i in 0..<samples { learner.train(input: inputs[i % inputs.count], label: i % 10, learningRate: 0.001) }
        let trainSeconds = Date().timeIntervalSince(start)
        print(String(format: "train 784-800-10: %d samples in %.3f s = %.0f samples/s", samples, trainSeconds, Double(samples) / trainSeconds))
        start = Date()
        let network = learner.network
        let evaluated = 2000
        let chunks = Parallel.chunks(of: evaluated, alignment: 1)
        Parallel.forEach(chunks) { _, range in
            for i in range { _ = FloatSimulator.run(network, input: inputs[i % inputs.count], parallel: false) }
        }
        let forwardSeconds = Date().timeIntervalSince(start)
        print(String(format: "forward 784-800-10: %d samples in %.3f s = %.0f samples/s (10,000 in %.2f s)",
                     evaluated, forwardSeconds, Double(evaluated) / forwardSeconds, 10000 * forwardSeconds / Double(evaluated)))
    }

    static func syntheticInput(timeSteps: Int, using generator: inout SplitMix64) -> SpikeRaster {
        let active = (0..<784).filter { _ in Double.random(in: 0..<1, using: &generator) < 0.19 }
        let rates = active.map { _ in Double.random(in: 0.05...0.18, using: &generator) }
        var raster = SpikeRaster(neuronCount: 784, timeSteps: timeSteps)
        raster.appendStep([])
        for _ in 1..<timeSteps {
            var step: [Int32] = []
            for (k, pixel) in active.enumerated() where Double.random(in: 0..<1, using: &generator) < rates[k] { step.append(Int32(pixel)) }
            raster.appendStep(step)
        }
        return raster
    }
}
