import Compiler
import Emulator
import Foundation
import HardwareTargets
import Kernels
import NeuroImage
import SpikeData
import SpikeModel
import HM2BPTrain

/// The emulator on the repository's spiking CNN (Models/mnist-cnn-28x28-15C5-P2-40C5-P2-300-10),
/// compiled as `hm2bp compile` does (32 training images calibrate) for hm2bp-large (19 tiles,
/// shared kernels expanded at load) and for the emulator target (one core per layer), on
/// Poisson-encoded MNIST test digits (T = 400, seed 1), both builds of the C kernels.
/// Wall time of all workers, best and median of 3 rounds.
/// `hm2bp-bench emulate-cnn [SAMPLES]` (default 2,000), run from the repository root.
enum CNNEmulateBenchmark {
    static let modelPath = "Models/mnist-cnn-28x28-15C5-P2-40C5-P2-300-10/model.hm2bp"

    static func run(_ arguments: [String]) throws {
        let samples = arguments.first.flatMap(Int.init) ?? 2_000
        let path = FileManager.default.currentDirectoryPath + "/" + modelPath
        guard let data = FileManager.default.contents(atPath: path) else {
            throw BenchmarkError("\(path) not found: run from the repository root")
        }
        let model = try ModelFile.decode(Array(data), path: path)
        let timeSteps = model.network.constants.timeSteps
        let encoder = PoissonEncoder(timeSteps: timeSteps, seed: 1)
        let store = DataStore()
        let training = try store.load(.mnist, split: .train, limit: 32)
        let calibration = (0..<training.count).map { encoder.encode(training.image($0), sampleIndex: $0) }
        let test = try store.load(.mnist, split: .test, limit: samples)
        let testEncoder = Evaluator.testEncoder(timeSteps: timeSteps, seed: 1)  // what `hm2bp emulate` encodes with
        let inputs = (0..<test.count).map { testEncoder.encode(test.image($0), sampleIndex: $0) }
        print("machine: \(ProcessInfo.processInfo.activeProcessorCount) cores; workers \(Parallel.workerCount); \(inputs.count) pre-encoded test digits")
        let builds = FastKernels.native.lanes == FastKernels.portable.lanes ? [FastKernels.native] : [.native, .portable]
        for target in ["hm2bp-large", "emulator"] {
            let image = try ModelCompiler.compile(model: model, modelBytes: Array(data), target: try TargetLoader.load(target),
                                                  calibration: calibration).image
            for kernels in builds {
                let emulator = Emulator(image: image, kernels: kernels)
                var times: [Double] = []
                var events = 0, correct = 0
                for _ in 0..<3 {
                    let start = Date()
                    let results = try emulator.run(count: inputs.count) { inputs[$0] }
                    times.append(Date().timeIntervalSince(start))
                    events = results.reduce(0) { $0 + $1.synapticEvents }
                    correct = zip(results, 0..<inputs.count).filter { $0.0.prediction == Int(test.labels[$0.1]) }.count
                }
                times.sort()
                print(String(format: "%@ (%d cores), %@ kernels: %.0f / %.0f images/s (best / median of 3), %.1f G synaptic events/s; accuracy %.2f%%",
                             target, image.cores.count, kernels.lanes, Double(inputs.count) / times[0], Double(inputs.count) / times[1],
                             Double(events) / times[0] / 1e9, 100 * Double(correct) / Double(inputs.count)))
            }
        }
    }
}
