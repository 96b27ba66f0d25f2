import Foundation
import HM2BPTrain
import Kernels
import SpikeData
import SpikeModel

/// The convolutional trainer on real MNIST spike trains: training samples/s of the reference
/// CNN 28x28-15C5-P2-40C5-P2-300-10 (T = 400, the CNN column's settings, both cores, encoding
/// included), forward-only evaluation samples/s, and each layer's forward time on one core.
enum CNNTrainBenchmark {
    static let architecture = "28x28-15C5-P2-40C5-P2-300-10"

    static func run(_ arguments: [String]) throws {
        let samples = arguments.first.flatMap(Int.init) ?? 1000
        let constants = NeuronConstants()
        let store = DataStore()
        let train = try store.load(.mnist, split: .train, limit: samples)
        let test = try store.load(.mnist, split: .test, limit: 1000)
        print("machine: \(ProcessInfo.processInfo.activeProcessorCount) cores, workers \(Parallel.workerCount)")

        let trainer = try Trainer(options: .init(architecture: try Architecture.parse(architecture), constants: constants,
                                                 config: .convolutionalMNIST, epochs: 1, seed: 1, dataset: "mnist"),
                                  train: train, test: test.prefix(10))
        var record: EpochRecord?
        _ = try trainer.run(progress: { _ in }, epochCompleted: { epoch, _ in record = epoch }, shouldStop: { false })
        guard let record else { return }
        print(String(format: "train %@: %d real MNIST samples in %.2f s = %.1f samples/s (encoding included)",
                     architecture, samples, record.trainSeconds, record.samplesPerSecond))

        let network = trainer.checkpoint.current.network
        let report = Evaluator.evaluate(network, on: test, encoder: Evaluator.testEncoder(timeSteps: constants.timeSteps, seed: 1))
        print(String(format: "forward %@: %d test images in %.2f s = %.1f samples/s; mean spikes per layer %@",
                     architecture, report.samples, report.seconds, Double(report.samples) / report.seconds,
                     report.meanSpikesPerLayer.map { String(format: "%.0f", $0) }.joined(separator: " / ")))

        // Each layer's forward pass on one core, on the spikes of the layer below (first test image).
        var below = Evaluator.testEncoder(timeSteps: constants.timeSteps, seed: 1).encode(test.image(0), sampleIndex: 0)
        let names = network.spatialLayers.map(\.token) + network.layers.map { "fc \($0.outputCount)" }
        for (index, name) in names.enumerated() {
            var output = below
            let seconds = TrainBenchmark.median(repeats: 5) {
                output = index < network.spatialLayers.count
                    ? FloatSimulator.runSpatialLayer(network.spatialLayers[index], constants: constants, input: below, parallel: false)
                    : FloatSimulator.runLayer(network.layers[index - network.spatialLayers.count], constants: constants, input: below, parallel: false)
            }
            print(String(format: "  forward %@ on one core: %.3f ms (%d spikes in, %d out)", name, seconds * 1000, below.totalSpikes, output.totalSpikes))
            below = output
        }
    }
}
