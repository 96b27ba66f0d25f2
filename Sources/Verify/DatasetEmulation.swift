import Emulator
import Foundation
import Kernels
import NeuroImage
import SpikeData
import SpikeModel

/// What `hm2bp emulate` reports for an image run over a labelled data set.
public struct EmulationSummary: Codable, Sendable, Equatable {
    public var architecture: String
    public var target: String
    public var samples: Int
    public var correct: Int
    public var accuracy: Double
    /// Mean spikes per sample of every layer.
    public var meanSpikesPerLayer: [Double]
    public var saturationsPerLayer: [Int]
    /// Source spikes dropped by routers' spike budgets, over all samples.
    public var droppedSpikes: Int
    public var synapticEvents: Int
    public var seconds: Double
    public var imagesPerSecond: Double
    public var synapticEventsPerSecond: Double

    public var text: String {
        var lines = [String(format: "%@ image for %@: accuracy %.2f%% (%d of %d) in %.2f s (%.0f images/s)", architecture, target,
                            accuracy * 100, correct, samples, seconds, imagesPerSecond)]
        lines.append("mean spikes per sample by layer: " + meanSpikesPerLayer.map { String(format: "%.1f", $0) }.joined(separator: ", "))
        lines.append(String(format: "synaptic events: %.3g (%.2f G/s); saturation events by layer: %@; spikes dropped by budgets: %d",
                            Double(synapticEvents), synapticEventsPerSecond / 1e9,
                            saturationsPerLayer.map(String.init).joined(separator: ", "), droppedSpikes))
        return lines.joined(separator: "\n")
    }
}

/// Labelled samples and the spike encoding that turns sample i into its input raster (images:
/// the Poisson encoder; recordings: their conversion, which the encoder does not change).
public struct EncodedDataset: Sendable {
    public var samples: LabeledSamples
    public var encoder: PoissonEncoder

    public init(samples: LabeledSamples, encoder: PoissonEncoder) {
        self.samples = samples
        self.encoder = encoder
    }

    public init(images: LabeledImages, encoder: PoissonEncoder) {
        self.init(samples: .images(images), encoder: encoder)
    }

    public var count: Int { samples.count }
    public var labels: [UInt8] { samples.labels }
    /// Time steps of every input raster.
    public var timeSteps: Int { samples.fixedTimeSteps ?? encoder.timeSteps }

    public func input(_ i: Int) -> SpikeRaster { samples.input(i, encoder: encoder, sampleIndex: i) }
}

public enum DatasetEmulation {
    /// Runs every image of `data` through the emulator on all cores.
    public static func run(_ emulator: Emulator, on data: EncodedDataset) throws -> (summary: EmulationSummary, results: [SampleResult]) {
        try requireCompatible(emulator.image, data)
        let start = Date()
        let results = try emulator.run(count: data.count) { data.input($0) }
        let seconds = Date().timeIntervalSince(start)
        return (summarize(emulator.image, data, results, seconds: seconds), results)
    }

    static func summarize(_ image: NeuroImage, _ data: EncodedDataset, _ results: [SampleResult], seconds: Double) -> EmulationSummary {
        let count = max(results.count, 1)
        let labels = data.labels
        let correct = results.indices.filter { results[$0].prediction == Int(labels[$0]) }.count
        var spikes = [Int](repeating: 0, count: image.layers.count)
        var saturations = [Int](repeating: 0, count: image.layers.count)
        var dropped = 0, events = 0
        for result in results {
            for (l, total) in result.layerSpikeTotals.enumerated() { spikes[l] += total }
            for (l, s) in result.saturations.enumerated() { saturations[l] += s }
            dropped += result.droppedSpikes.reduce(0, +)
            events += result.synapticEvents
        }
        return EmulationSummary(
            architecture: image.metadata.architecture, target: image.target.name, samples: results.count, correct: correct,
            accuracy: Double(correct) / Double(count), meanSpikesPerLayer: spikes.map { Double($0) / Double(count) },
            saturationsPerLayer: saturations, droppedSpikes: dropped, synapticEvents: events, seconds: seconds,
            imagesPerSecond: Double(results.count) / max(seconds, 1e-9), synapticEventsPerSecond: Double(events) / max(seconds, 1e-9))
    }

    static func requireCompatible(_ image: NeuroImage, _ data: EncodedDataset) throws {
        guard data.samples.inputCount == image.inputCount else {
            throw VerifyError("the image (\(image.metadata.architecture)) has \(image.inputCount) inputs but the samples have \(data.samples.inputCount)")
        }
        guard data.timeSteps >= image.timeSteps else {
            throw VerifyError("the inputs have \(data.timeSteps) time steps; the image runs \(image.timeSteps)")
        }
    }
}

public struct VerifyError: Error, CustomStringConvertible, Equatable {
    public var reason: String
    public init(_ reason: String) { self.reason = reason }
    public var description: String { reason }
}
