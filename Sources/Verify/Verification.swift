import Emulator
import Foundation
import Kernels
import NeuroImage
import SpikeModel

/// Float against fixed per layer: spikes per sample and how far the per-neuron counts differ.
public struct LayerComparison: Codable, Sendable, Equatable {
    public var layer: Int
    public var floatSpikesPerSample: Double
    public var fixedSpikesPerSample: Double
    /// Mean over samples and neurons of |float count - fixed count|.
    public var meanAbsCountError: Double
    /// Sum of |float count - fixed count| over neurons and samples / float spike total.
    public var relativeCountError: Double
}

/// What `hm2bp verify` reports.
public struct VerificationReport: Codable, Sendable, Equatable {
    public var architecture: String
    public var target: String
    public var samples: Int
    public var floatAccuracy: Double
    public var fixedAccuracy: Double
    /// (float - fixed) accuracy in percentage points.
    public var accuracyDropPoints: Double
    /// Share of samples where both predict the same class.
    public var agreement: Double
    public var layers: [LayerComparison]
    /// Saturation events per layer and budget drops of the fixed side, over all samples.
    public var saturationsPerLayer: [Int]
    public var droppedSpikes: Int
    /// Where the first sample whose predictions differ first diverges; nil if all agree.
    public var firstDisagreement: Divergence?
    public var limits: VerifyLimits
    public var violations: [String]
    public var seconds: Double

    public var passed: Bool { violations.isEmpty }

    /// One line for newcomers (the README's pipeline command prints it).
    public var headline: String {
        String(format: "on the %@ chip model the network scores %.2f%% (the float model %.2f%%, %.2f points apart); both give the same answer on %.1f%% of %d test images%@",
               target, fixedAccuracy * 100, floatAccuracy * 100, accuracyDropPoints, agreement * 100, samples,
               passed ? "" : " - LIMIT BROKEN")
    }

    public var text: String {
        var lines = [String(format: "%@ on %d samples, target %@:", architecture, samples, target)]
        lines.append(String(format: "  accuracy: float %.2f%%, fixed point %.2f%% (drop %.2f pp); predictions agree on %.2f%%",
                            floatAccuracy * 100, fixedAccuracy * 100, accuracyDropPoints, agreement * 100))
        lines.append("  per layer: spikes per sample float / fixed, firing-count error (mean |diff| per neuron, relative):")
        for layer in layers {
            lines.append(String(format: "    layer %d: %.1f / %.1f, %.3f, %.4f", layer.layer, layer.floatSpikesPerSample,
                                layer.fixedSpikesPerSample, layer.meanAbsCountError, layer.relativeCountError))
        }
        lines.append("  saturation events by layer: " + saturationsPerLayer.map(String.init).joined(separator: ", ")
                     + "; spikes dropped by budgets: \(droppedSpikes)")
        if let d = firstDisagreement { lines.append(d.text) } else { lines.append("  every sample: both models predict the same class") }
        let described = [limits.maxAccuracyDrop.map { String(format: "accuracy drop <= %.2f pp", $0) },
                         limits.minAgreement.map { String(format: "agreement >= %.2f%%", $0) },
                         limits.maxFiringCountError.map { String(format: "firing-count error <= %.4f", $0) }].compactMap { $0 }
        if described.isEmpty {
            lines.append("  no limits set")
        } else if violations.isEmpty {
            lines.append("  PASS: " + described.joined(separator: ", "))
        } else {
            lines.append(contentsOf: violations.map { "  FAIL: " + $0 })
        }
        lines.append(String(format: "  (%.1f s)", seconds))
        return lines.joined(separator: "\n")
    }
}

public enum Verification {
    /// Runs the float model and the image side by side on the same input spikes of every
    /// image of `data`, then localizes the first disagreement.
    public static func run(network: Network, emulator: Emulator, on data: EncodedDataset, limits: VerifyLimits) throws -> VerificationReport {
        let image = emulator.image
        try DatasetEmulation.requireCompatible(image, data)
        guard network.architecture == [image.inputCount] + image.layers.map(\.neuronCount) else {
            throw VerifyError("the model is \(network.architectureName) but the image is \(image.metadata.architecture)")
        }
        guard network.constants.timeSteps == image.timeSteps else {
            throw VerifyError("the model runs \(network.constants.timeSteps) time steps but the image \(image.timeSteps)")
        }
        let start = Date()
        let count = data.count
        let labels = data.labels
        let layerCount = image.layers.count
        // Fixed counts come in image order; a spatial layer's tiles permute its map.
        let modelIndex = image.layers.indices.map { image.modelIndexOfImageNeuron(layer: $0) }
        var outcomes = [SampleOutcome?](repeating: nil, count: count)
        let workers = Array(0..<min(Parallel.workerCount, max(count, 1))).map { $0..<($0 + 1) }
        outcomes.withUnsafeMutableBufferPointer { out in
            Parallel.forEach(workers) { worker, _ in
                let workspace = emulator.makeWorkspace()
                for i in stride(from: worker, to: count, by: workers.count) {
                    let input = data.input(i)
                    let float = FloatSimulator.run(network, input: input, parallel: false)
                    // The input was checked against the image above, so run cannot fail here.
                    guard let fixed = try? emulator.run(input, workspace: workspace) else { continue }
                    out[i] = SampleOutcome(float: float.map { $0.counts() }, fixed: fixed)
                }
            }
        }
        var floatCorrect = 0, fixedCorrect = 0, agree = 0
        var floatSpikes = [Int](repeating: 0, count: layerCount), fixedSpikes = floatSpikes, absError = floatSpikes
        var saturations = floatSpikes
        var dropped = 0
        var firstDiffering: Int?
        for i in 0..<count {
            guard let outcome = outcomes[i] else { throw VerifyError("sample \(i) did not run") }
            let label = Int(labels[i])
            let floatPrediction = predictedClass(counts: outcome.float[layerCount - 1])
            floatCorrect += floatPrediction == label ? 1 : 0
            fixedCorrect += outcome.fixed.prediction == label ? 1 : 0
            if floatPrediction == outcome.fixed.prediction { agree += 1 } else if firstDiffering == nil { firstDiffering = i }
            for l in 0..<layerCount {
                for (k, b) in outcome.fixed.neuronCounts[l].enumerated() {
                    let a = outcome.float[l][modelIndex[l][k]]
                    floatSpikes[l] += Int(a); fixedSpikes[l] += Int(b); absError[l] += abs(Int(a) - Int(b))
                }
                saturations[l] += outcome.fixed.saturations[l]
            }
            dropped += outcome.fixed.droppedSpikes.reduce(0, +)
        }
        let n = Double(max(count, 1))
        let layers = (0..<layerCount).map { l in
            LayerComparison(layer: l, floatSpikesPerSample: Double(floatSpikes[l]) / n, fixedSpikesPerSample: Double(fixedSpikes[l]) / n,
                            meanAbsCountError: Double(absError[l]) / n / Double(image.layers[l].neuronCount),
                            relativeCountError: Double(absError[l]) / Double(max(floatSpikes[l], 1)))
        }
        let divergence = try firstDiffering.flatMap { i in
            try DivergenceFinder.locate(sample: i, label: Int(labels[i]), network: network, emulator: emulator, input: data.input(i))
        }
        var report = VerificationReport(
            architecture: image.metadata.architecture, target: image.target.name, samples: count,
            floatAccuracy: Double(floatCorrect) / n, fixedAccuracy: Double(fixedCorrect) / n,
            accuracyDropPoints: Double(floatCorrect - fixedCorrect) / n * 100, agreement: Double(agree) / n, layers: layers,
            saturationsPerLayer: saturations, droppedSpikes: dropped, firstDisagreement: divergence, limits: limits, violations: [],
            seconds: 0)
        report.violations = limits.violations(of: report)
        report.seconds = Date().timeIntervalSince(start)
        return report
    }

    struct SampleOutcome {
        var float: [[Int32]]
        var fixed: SampleResult
    }
}
