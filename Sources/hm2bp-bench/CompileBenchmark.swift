import Kernels
import Compiler
import Foundation
import HardwareTargets
import SpikeData
import SpikeModel

/// Compile time of 784-800-10 for every shipped target, the cost of calibration on real MNIST,
/// compile time against synapse count (100k ... 10M) on the emulator target, and the committed
/// spiking CNN on the targets that hold it (when run from the repository root).
/// Usage: hm2bp-bench compile [calibration samples, default 64]
enum CompileBenchmark {
    static func run(_ arguments: [String]) throws {
        let calibrationSamples = arguments.first.flatMap(Int.init) ?? 64
        print("machine: \(ProcessInfo.processInfo.activeProcessorCount) cores")
        let model = randomModel([784, 800, 10], seed: 1)
        let modelBytes = try ModelFile.encode(model)
        print("784-800-10, random U[-1,1] weights, no calibration (median of 5):")
        for name in ["emulator", "hm2bp-micro", "hm2bp-nano"] {
            let target = try TargetLoader.load(name)
            var result: CompileResult?
            let seconds = try median(5) { result = try ModelCompiler.compile(model: model, modelBytes: modelBytes, target: target, calibration: []) }
            print(String(format: "  %@ %7.3f s  %8d bytes  %d cores", name.padding(toLength: 12, withPad: " ", startingAt: 0) as NSString, seconds, result!.bytes.count, result!.summary.cores.count))
        }
        if calibrationSamples > 0 {
            let images = try DataStore().load(.mnist, split: .train, limit: calibrationSamples)
            let encoder = PoissonEncoder(timeSteps: model.network.constants.timeSteps, seed: 1)
            let rasters = (0..<images.count).map { encoder.encode(images.image($0), sampleIndex: $0) }
            let target = try TargetLoader.load("hm2bp-nano")
            var result: CompileResult?
            let seconds = try median(1) { result = try ModelCompiler.compile(model: model, modelBytes: modelBytes, target: target, calibration: rasters) }
            print(String(format: "784-800-10 for hm2bp-nano calibrated on %d MNIST training images: %.2f s", images.count, seconds))
            for q in result!.summary.quantization {
                print(String(format: "  layer %d: clip %.2f shift %d, weight rms err %.3f%%, count err %.3f (max-abs %.3f), saturations %d",
                             q.layer, q.clipFraction, q.weightShift, 100 * q.weightRelativeRMSError, q.countError ?? .nan,
                             q.maxAbsCountError ?? .nan, q.saturationEvents))
            }
        }
        print("compile time against synapse count, 784-H-10 on the emulator target, no calibration (median of 3):")
        print("  synapses     hidden  seconds  image bytes")
        let emulator = try TargetLoader.load("emulator")
        for synapses in [100_000, 300_000, 1_000_000, 3_000_000, 10_000_000] {
            let hidden = synapses / 794
            let big = randomModel([784, hidden, 10], seed: 2)
            let bytes = try ModelFile.encode(big)
            var result: CompileResult?
            let seconds = try median(3) { result = try ModelCompiler.compile(model: big, modelBytes: bytes, target: emulator, calibration: []) }
            print(String(format: "  %9d  %8d  %7.3f  %11d", big.network.synapseCount, hidden, seconds, result!.bytes.count))
        }
        try compileCNN(calibrationSamples: min(calibrationSamples, 32))
    }

    /// The committed CNN: tiling, routes and checks alone, then with calibration as `hm2bp compile`
    /// does it (32 training images), median of 3.
    private static func compileCNN(calibrationSamples: Int) throws {
        let path = FileManager.default.currentDirectoryPath + "/Models/mnist-cnn-28x28-15C5-P2-40C5-P2-300-10/model.hm2bp"
        guard let data = FileManager.default.contents(atPath: path) else { print("(\(path) not found: run from the repository root)"); return }
        let model = try ModelFile.decode(Array(data), path: path)
        let images = try DataStore().load(.mnist, split: .train, limit: max(calibrationSamples, 1))
        let encoder = PoissonEncoder(timeSteps: model.network.constants.timeSteps, seed: 1)
        let rasters = calibrationSamples == 0 ? [] : (0..<images.count).map { encoder.encode(images.image($0), sampleIndex: $0) }
        print("28x28-15C5-P2-40C5-P2-300-10 (the committed CNN), median of 3:")
        for name in ["hm2bp-large", "emulator"] {
            let target = try TargetLoader.load(name)
            for calibration in [[], rasters] {
                var result: CompileResult?
                let seconds = try median(3) { result = try ModelCompiler.compile(model: model, modelBytes: Array(data), target: target, calibration: calibration) }
                print(String(format: "  %@ %2d calibration images %7.3f s  %8d bytes  %d cores", name.padding(toLength: 12, withPad: " ", startingAt: 0) as NSString,
                             calibration.count, seconds, result!.bytes.count, result!.summary.cores.count))
            }
        }
    }

    private static func median(_ runs: Int, _ body: () throws -> Void) rethrows -> Double {
        var times: [Double] = []
        for _ in 0..<runs {
            let start = Date()
            try body()
            times.append(Date().timeIntervalSince(start))
        }
        return times.sorted()[runs / 2]
    }

    private static func randomModel(_ widths: [Int], seed: UInt64) -> Model {
        var generator = SplitMix64(seed: seed)
        func next() -> Float { Float(generator.next() >> 40) / Float(1 << 24) * 2 - 1 }
        let layers = (1..<widths.count).map { l in
            DenseLayer(inputCount: widths[l - 1], outputCount: widths[l], threshold: l == widths.count - 1 ? 8 : 20,
                       lateralInhibition: l == widths.count - 1 ? 1 : 0, weights: (0..<(widths[l - 1] * widths[l])).map { _ in next() })
        }
        return Model(network: Network(constants: NeuronConstants(), layers: layers), provenance: Provenance(dataset: "mnist", seed: seed))
    }
}
