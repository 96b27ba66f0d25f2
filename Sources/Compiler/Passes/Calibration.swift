import Foundation
import NeuroImage
import SpikeModel

/// Runs a candidate integer layer on the calibration samples and measures it against float.
enum Calibration {
    struct Sample: Sendable {
        /// Axons spiking at each step.
        var input: [[Int32]]
        var floatCounts: [Int32]
    }

    struct Outcome: Sendable {
        /// Mean |fixed - float| spikes per neuron and sample.
        var countError: Double
        var saturations: Int
        var floatSpikes: Int
        var fixedSpikes: Int
        /// Most spikes any one core's neurons emitted in a single step (the router's load).
        var peakSpikesPerStep: [Int]
    }

    static func steps(_ raster: SpikeRaster, count: Int) -> [[Int32]] {
        (0..<count).map { Array(raster.firing(at: $0)) }
    }

    /// Samples run in parallel (each is independent); the sums are combined in sample order.
    /// `coreOfNeuron` gives each neuron's core among the layer's (empty: one core).
    static func evaluate(_ layer: FixedPointLayer, on samples: [Sample], coreOfNeuron: [Int32] = []) -> Outcome {
        let coreCount = Int(coreOfNeuron.max() ?? 0) + 1
        var perSample = [(error: Int, saturations: Int, floatSpikes: Int, fixedSpikes: Int, peaks: [Int])](
            repeating: (0, 0, 0, 0, []), count: samples.count)
        perSample.withUnsafeMutableBufferPointer { results in
            DispatchQueue.concurrentPerform(iterations: samples.count) { s in
                let run = layer.run(input: samples[s].input)
                var error = 0
                for (fixed, float) in zip(run.spikeCounts, samples[s].floatCounts) { error += abs(Int(fixed) - Int(float)) }
                var peaks = [Int](repeating: 0, count: coreCount)
                var perCore = peaks
                for step in run.spikes {
                    for k in perCore.indices { perCore[k] = 0 }
                    for neuron in step { perCore[coreOfNeuron.isEmpty ? 0 : Int(coreOfNeuron[Int(neuron)])] += 1 }
                    for k in peaks.indices { peaks[k] = max(peaks[k], perCore[k]) }
                }
                results[s] = (error, run.saturations, samples[s].floatCounts.reduce(0) { $0 + Int($1) },
                              run.spikeCounts.reduce(0) { $0 + Int($1) }, peaks)
            }
        }
        var peaks = [Int](repeating: 0, count: coreCount)
        for sample in perSample { for k in peaks.indices { peaks[k] = max(peaks[k], sample.peaks[k]) } }
        let total = perSample.reduce((0, 0, 0, 0)) { ($0.0 + $1.error, $0.1 + $1.saturations, $0.2 + $1.floatSpikes, $0.3 + $1.fixedSpikes) }
        return Outcome(countError: Double(total.0) / Double(max(samples.count, 1) * layer.neuronCount), saturations: total.1,
                       floatSpikes: total.2, fixedSpikes: total.3, peakSpikesPerStep: peaks)
    }
}
