import Foundation
import Kernels
import SpikeData
import SpikeModel

/// Forward-only evaluation of a float network on labelled images: accuracy, confusion matrix and
/// mean spike counts per layer. Samples are spread over the cores, one sample per task.
public struct EvaluationReport: Codable, Sendable, Equatable {
    public var samples: Int
    public var correct: Int
    public var accuracy: Double { samples == 0 ? 0 : Double(correct) / Double(samples) }
    /// confusion[label][prediction]
    public var confusion: [[Int]]
    /// Mean spikes per sample emitted by each layer (spatial layers, hidden layers, then output).
    public var meanSpikesPerLayer: [Double]
    public var seconds: Double

    enum CodingKeys: String, CodingKey { case samples, correct, accuracy, confusion, meanSpikesPerLayer, seconds }

    public init(samples: Int, correct: Int, confusion: [[Int]], meanSpikesPerLayer: [Double], seconds: Double) {
        self.samples = samples
        self.correct = correct
        self.confusion = confusion
        self.meanSpikesPerLayer = meanSpikesPerLayer
        self.seconds = seconds
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        samples = try c.decode(Int.self, forKey: .samples)
        correct = try c.decode(Int.self, forKey: .correct)
        confusion = try c.decode([[Int]].self, forKey: .confusion)
        meanSpikesPerLayer = try c.decode([Double].self, forKey: .meanSpikesPerLayer)
        seconds = try c.decode(Double.self, forKey: .seconds)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(samples, forKey: .samples)
        try c.encode(correct, forKey: .correct)
        try c.encode(accuracy, forKey: .accuracy)
        try c.encode(confusion, forKey: .confusion)
        try c.encode(meanSpikesPerLayer, forKey: .meanSpikesPerLayer)
        try c.encode(seconds, forKey: .seconds)
    }
}

public enum Evaluator {
    /// The Poisson seed of test-set encodings for a run seeded with `seed`: distinct from the
    /// training encodings, the same in every epoch and in `hm2bp eval`.
    public static func testEncoder(timeSteps: Int, seed: UInt64) -> PoissonEncoder {
        PoissonEncoder(timeSteps: timeSteps, seed: seed ^ 0x7E57_7E57_7E57_7E57)
    }

    /// `firstIndex`: the sample index of image 0 in the encoder's stream (validation images are
    /// training images from that index on).
    public static func evaluate(_ network: Network, on images: LabeledImages, encoder: PoissonEncoder, firstIndex: Int = 0) -> EvaluationReport {
        evaluate(network, on: .images(images), encoder: encoder, firstIndex: firstIndex)
    }

    /// Images are encoded by `encoder`; recordings (N-MNIST) are used as converted.
    public static func evaluate(_ network: Network, on images: LabeledSamples, encoder: PoissonEncoder, firstIndex: Int = 0) -> EvaluationReport {
        let start = Date()
        let classes = network.outputCount
        let layerCount = network.spatialLayers.count + network.layers.count
        let blocks = Parallel.chunks(of: images.count, alignment: 1, maximum: max(1, images.count / 32))
        var partials = [(correct: Int, confusion: [[Int]], spikes: [Int])](
            repeating: (0, [[Int]](repeating: [Int](repeating: 0, count: classes), count: classes), [Int](repeating: 0, count: layerCount)),
            count: blocks.count)
        partials.withUnsafeMutableBufferPointer { results in
            Parallel.forEach(blocks) { block, range in
                var partial = results[block]
                for i in range {
                    let outputs = FloatSimulator.run(network, input: images.input(i, encoder: encoder, sampleIndex: firstIndex + i), parallel: false)
                    let prediction = predictedClass(outputs[outputs.count - 1].counts())
                    let label = Int(images.labels[i])
                    if prediction == label { partial.correct += 1 }
                    if label < classes { partial.confusion[label][prediction] += 1 }
                    for (layer, raster) in outputs.enumerated() { partial.spikes[layer] += raster.totalSpikes }
                }
                results[block] = partial
            }
        }
        var report = EvaluationReport(
            samples: images.count, correct: 0, confusion: partials[0].confusion.map { $0.map { _ in 0 } },
            meanSpikesPerLayer: [Double](repeating: 0, count: layerCount), seconds: 0)
        for partial in partials {
            report.correct += partial.correct
            for r in 0..<classes { for c in 0..<classes { report.confusion[r][c] += partial.confusion[r][c] } }
            for l in 0..<layerCount { report.meanSpikesPerLayer[l] += Double(partial.spikes[l]) }
        }
        report.meanSpikesPerLayer = report.meanSpikesPerLayer.map { $0 / Double(max(1, images.count)) }
        report.seconds = Date().timeIntervalSince(start)
        return report
    }
}
