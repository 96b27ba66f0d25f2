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
    }

    static func steps(_ raster: SpikeRaster, count: Int) -> [[Int32]] {
        (0..<count).map { Array(raster.firing(at: $0)) }
    }

    /// Samples run in parallel (each is independent); the sums are combined in sample order.
    static func evaluate(_ layer: FixedPointLayer, on samples: [Sample]) -> Outcome {
        guard !samples.isEmpty else { return Outcome(countError: 0, saturations: 0, floatSpikes: 0, fixedSpikes: 0) }
        var perSample = [(error: Int, saturations: Int, floatSpikes: Int, fixedSpikes: Int)](repeating: (0, 0, 0, 0), count: samples.count)
        perSample.withUnsafeMutableBufferPointer { results in
            DispatchQueue.concurrentPerform(iterations: samples.count) { s in
                let run = layer.run(input: samples[s].input)
                var error = 0
                for (fixed, float) in zip(run.spikeCounts, samples[s].floatCounts) { error += abs(Int(fixed) - Int(float)) }
                results[s] = (error, run.saturations, samples[s].floatCounts.reduce(0) { $0 + Int($1) }, run.spikeCounts.reduce(0) { $0 + Int($1) })
            }
        }
        let total = perSample.reduce((0, 0, 0, 0)) { ($0.0 + $1.error, $0.1 + $1.saturations, $0.2 + $1.floatSpikes, $0.3 + $1.fixedSpikes) }
        return Outcome(countError: Double(total.0) / Double(samples.count * layer.neuronCount), saturations: total.1,
                       floatSpikes: total.2, fixedSpikes: total.3)
    }
}
