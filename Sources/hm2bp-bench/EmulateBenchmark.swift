import Compiler
import Emulator
import Foundation
import HardwareTargets
import Kernels
import NeuroImage
import SpikeData
import SpikeModel

/// The emulator on MNIST test digits (Poisson-encoded, T = 400) through a 784-800-10 image:
/// synaptic events/s of one core on the 784-800 layer against the measured 84 G adds/s limit
/// of int8 row accumulation (docs/performance-notes), for a synthetic image and for the
/// repository's trained model compiled for hm2bp-micro, then the whole test set on all cores.
/// The one-core figures are measured on both builds of the C kernels (the machine's own, AVX-512
/// here, and the portable one that other CPUs build), in the same run.
/// `hm2bp-bench emulate [SAMPLES]` (default 10,000); MNIST from the data mirror or data directory
/// (fetched when missing), as `hm2bp` finds it.
enum EmulateBenchmark {
    static let addLimitPerCore = 84e9

    static func threadCPUSeconds() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) * 1e-9
    }

    static func run(_ arguments: [String]) throws {
        let samples = arguments.first.flatMap(Int.init) ?? 10_000
        let timeSteps = 400
        let images = try DataStore().load(.mnist, split: .test, limit: samples)
        let encoder = PoissonEncoder(timeSteps: timeSteps, seed: 1)
        let warm = (0..<min(200, images.count)).map { encoder.encode(images.image($0), sampleIndex: $0) }
        let image = EmulateBenchmarkImage.make(inputs: warm, timeSteps: timeSteps)
        print("machine: \(ProcessInfo.processInfo.activeProcessorCount) cores; workers \(Parallel.workerCount)")
        print(String(format: "input: MNIST test digits, mean %.1f input spikes per step", Double(warm.map(\.totalSpikes).reduce(0, +)) / Double(warm.count * timeSteps)))

        // One core, the 784-800 layer alone (its own image: the hidden core is the output).
        func hiddenLayerOnly(_ image: NeuroImage, _ kernels: FastKernels) -> Emulator {
            var hiddenOnly = image
            hiddenOnly.layers = [image.layers[0]]; hiddenOnly.cores = [image.cores[0]]; hiddenOnly.outputCount = image.cores[0].neuronCount
            hiddenOnly.routes = [RoutingTable(spikeBudget: 0, entries: [])]
            hiddenOnly.outputMap = [OutputMapEntry(core: 0, firstNeuron: 0, count: image.cores[0].neuronCount, firstOutput: 0)]
            return Emulator(image: hiddenOnly, kernels: kernels)
        }
        let builds = FastKernels.native.lanes == FastKernels.portable.lanes ? [FastKernels.native] : [.native, .portable]
        // One-core figures use this thread's CPU time (the build machine is shared, and wall
        // time would count the time other processes held the core), median and best of 7 rounds.
        func measure(_ layer: Emulator, _ inputs: [SpikeRaster]) throws -> (median: Double, best: Double, events: Int, spikes: Int) {
            let workspace = layer.makeWorkspace()
            for input in inputs.prefix(20) { _ = try layer.run(input, workspace: workspace) }
            var times: [Double] = []
            var events = 0, spikes = 0
            for _ in 0..<7 {
                events = 0; spikes = 0
                let cpuStart = threadCPUSeconds()
                for input in inputs {
                    let result = try layer.run(input, workspace: workspace)
                    events += result.synapticEvents
                    spikes += result.layerSpikeTotals[0]
                }
                times.append(threadCPUSeconds() - cpuStart)
            }
            times.sort()
            return (times[times.count / 2], times[0], events, spikes)
        }
        func report(_ name: String, _ figures: (median: Double, best: Double, events: Int, spikes: Int), samples: Int) {
            let steps = Double(samples * timeSteps)
            print(String(format: "%@: %d samples in %.3f / %.3f s; %.2f / %.2f G synaptic events/s = %.2f / %.2f of the 84 G adds/s limit; %.3f / %.3f us per step; hidden %.1f spikes per step",
                         name, samples, figures.median, figures.best, Double(figures.events) / figures.median / 1e9, Double(figures.events) / figures.best / 1e9,
                         Double(figures.events) / figures.median / addLimitPerCore, Double(figures.events) / figures.best / addLimitPerCore,
                         figures.median / steps * 1e6, figures.best / steps * 1e6, Double(figures.spikes) / steps))
        }
        for kernels in builds {
            report("784-800 layer, 1 core (CPU time, median / best of 7), synthetic image, \(kernels.lanes) kernels",
                   try measure(hiddenLayerOnly(image, kernels), warm), samples: warm.count)
        }

        // The same layer of the repository's trained model (Models/mnist-784-800-10), compiled
        // for hm2bp-micro (800 hidden neurons on one core), on the same digits.
        let modelPath = FileManager.default.currentDirectoryPath + "/Models/mnist-784-800-10/model.hm2bp"
        if let modelData = FileManager.default.contents(atPath: modelPath) {
            let model = try ModelFile.decode(Array(modelData), path: modelPath)
            let compiled = try ModelCompiler.compile(model: model, modelBytes: Array(modelData), target: try TargetLoader.load("hm2bp-micro"),
                                                     calibration: [])
            for kernels in builds {
                report("784-800 layer, 1 core (CPU time, median / best of 7), trained model on hm2bp-micro, \(kernels.lanes) kernels",
                       try measure(hiddenLayerOnly(compiled.image, kernels), warm), samples: warm.count)
            }
        } else {
            print("(\(modelPath) not found: run from the repository root for the trained model's figures)")
        }

        // The same layer at the input density of docs/performance-notes' kernel figures (about
        // 80 input events per step): how fast the row accumulation runs when events dominate.
        var generator = SplitMix64(seed: 3)
        let dense = (0..<100).map { _ in
            var raster = SpikeRaster(neuronCount: 784, timeSteps: timeSteps)
            for _ in 0..<timeSteps { raster.appendStep((0..<Int32(784)).filter { _ in generator.next() % 10 == 0 }) }
            return raster
        }
        let denseSteps = Double(dense.count * timeSteps)
        for kernels in builds {
            let heavy = try measure(hiddenLayerOnly(image, kernels), dense)
            report(String(format: "784-800 layer, 1 core (CPU time, median / best of 7), synthetic image, dense input (%.0f events per step), %@ kernels",
                          Double(heavy.events) / (800 * denseSteps), kernels.lanes), heavy, samples: dense.count)
        }

        // The whole network, pre-encoded inputs, all cores: emulation alone.
        let emulator = Emulator(image: image)
        var start = Date()
        var seconds: Double
        let encoded = try emulator.run(count: warm.count) { warm[$0] }
        seconds = Date().timeIntervalSince(start)
        let encodedEvents = encoded.reduce(0) { $0 + $1.synapticEvents }
        print(String(format: "784-800-10, %d cores, pre-encoded: %d samples in %.3f s = %.0f images/s; %.2f G synaptic events/s per core",
                     Parallel.workerCount, warm.count, seconds, Double(warm.count) / seconds,
                     Double(encodedEvents) / seconds / 1e9 / Double(Parallel.workerCount)))

        // The test set end to end: Poisson encoding inside the workers, then the emulator.
        start = Date()
        let results = try emulator.run(count: images.count) { encoder.encode(images.image($0), sampleIndex: $0) }
        seconds = Date().timeIntervalSince(start)
        let totalEvents = results.reduce(0) { $0 + $1.synapticEvents }
        print(String(format: "784-800-10, %d cores, encoding included: %d samples in %.2f s = %.0f images/s; %.2f G synaptic events/s per core (goal: 10,000 in < 10 s)",
                     Parallel.workerCount, images.count, seconds, Double(images.count) / seconds,
                     Double(totalEvents) / seconds / 1e9 / Double(Parallel.workerCount)))
    }
}
