import Emulator
import Foundation
import Kernels
import NeuroImage
import SpikeData
import SpikeModel

/// The emulator on MNIST test digits (Poisson-encoded, T = 400) through a 784-800-10 image:
/// synaptic events/s of one core on the 784-800 layer against the measured 84 G adds/s limit
/// of int8 row accumulation (docs/performance-notes), then the whole test set on all cores.
/// `hm2bp-bench emulate [SAMPLES]` (default 10,000); data from HM2BP_DATA_MIRROR or ../shared/data.
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
        let mirror = ProcessInfo.processInfo.environment["HM2BP_DATA_MIRROR"] ?? FileManager.default.currentDirectoryPath + "/../shared/data"
        let images = try DataStore(mirror: mirror).load(.mnist, split: .test, limit: samples)
        let encoder = PoissonEncoder(timeSteps: timeSteps, seed: 1)
        let warm = (0..<min(200, images.count)).map { encoder.encode(images.image($0), sampleIndex: $0) }
        let image = EmulateBenchmarkImage.make(inputs: warm, timeSteps: timeSteps)
        print("machine: \(ProcessInfo.processInfo.activeProcessorCount) cores; workers \(Parallel.workerCount)")
        print(String(format: "input: MNIST test digits, mean %.1f input spikes per step", Double(warm.map(\.totalSpikes).reduce(0, +)) / Double(warm.count * timeSteps)))

        // One core, the 784-800 layer alone (its own image: the hidden core is the output).
        var hiddenOnly = image
        hiddenOnly.layers = [image.layers[0]]; hiddenOnly.cores = [image.cores[0]]; hiddenOnly.outputCount = 800
        hiddenOnly.routes = [RoutingTable(spikeBudget: 0, entries: [])]
        hiddenOnly.outputMap = [OutputMapEntry(core: 0, firstNeuron: 0, count: 800, firstOutput: 0)]
        let layer = Emulator(image: hiddenOnly)
        let workspace = layer.makeWorkspace()
        for input in warm.prefix(20) { _ = try layer.run(input, workspace: workspace) }
        // One-core figures use this thread's CPU time (the build machine is shared, and wall
        // time would count the time other processes held the core), median and best of 7 rounds.
        func measure(_ inputs: [SpikeRaster]) throws -> (median: Double, best: Double, events: Int, spikes: Int) {
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
        let sparse = try measure(warm)
        let steps = Double(warm.count * timeSteps)
        print(String(format: "784-800 layer, 1 core (CPU time, median / best of 7): %d samples in %.3f / %.3f s; %.2f / %.2f G synaptic events/s = %.2f / %.2f of the 84 G adds/s limit; %.2f / %.2f us per step; hidden %.1f spikes per step",
                     warm.count, sparse.median, sparse.best, Double(sparse.events) / sparse.median / 1e9, Double(sparse.events) / sparse.best / 1e9,
                     Double(sparse.events) / sparse.median / addLimitPerCore, Double(sparse.events) / sparse.best / addLimitPerCore,
                     sparse.median / steps * 1e6, sparse.best / steps * 1e6, Double(sparse.spikes) / steps))

        // The same layer at the input density of docs/performance-notes' kernel figures (about
        // 80 input events per step): how fast the row accumulation runs when events dominate.
        var generator = SplitMix64(seed: 3)
        let dense = (0..<100).map { _ in
            var raster = SpikeRaster(neuronCount: 784, timeSteps: timeSteps)
            for _ in 0..<timeSteps { raster.appendStep((0..<Int32(784)).filter { _ in generator.next() % 10 == 0 }) }
            return raster
        }
        let heavy = try measure(dense)
        let denseSteps = Double(dense.count * timeSteps)
        print(String(format: "784-800 layer, 1 core (CPU time, median / best of 7), dense input (%.0f events per step): %.2f / %.2f G synaptic events/s = %.2f / %.2f of the limit; %.2f / %.2f us per step",
                     Double(heavy.events) / (800 * denseSteps), Double(heavy.events) / heavy.median / 1e9, Double(heavy.events) / heavy.best / 1e9,
                     Double(heavy.events) / heavy.median / addLimitPerCore, Double(heavy.events) / heavy.best / addLimitPerCore,
                     heavy.median / denseSteps * 1e6, heavy.best / denseSteps * 1e6))

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
