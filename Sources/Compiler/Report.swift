import Foundation
import NeuroImage

/// The report the compiler stores in the image's META section: what `inspect` cannot
/// recompute from the image itself (the target's limits and the quantization measurements).
public struct ImageReport: Codable, Sendable, Equatable {
    public struct Limits: Codable, Sendable, Equatable {
        public var cores: Int
        public var neurons: Int
        public var inputAxons: Int
        public var synapseEntries: Int
        public var bitsPerEntry: Int
        public var routingEntries: Int
    }
    public var compiler: String
    public var limits: Limits
    public var quantization: [LayerQuantizationReport]
}

/// Per core: what it uses against the target's limits.
public struct CoreResources: Codable, Sendable, Equatable {
    public var core: Int
    public var layer: Int
    public var firstNeuron: Int
    public var neurons: Int
    public var axons: Int
    public var synapses: Int
    public var memoryEntries: Int
    public var routingEntries: Int
}

/// Everything `compile` and `inspect` print; built from the image alone so both agree.
public struct CompileSummary: Codable, Sendable {
    public var target: String
    public var targetKind: String
    public var architecture: String
    public var modelSHA256: String
    public var imageSHA256: String
    public var imageBytes: Int
    public var timeSteps: Int
    public var limits: ImageReport.Limits
    public var cores: [CoreResources]
    public var inputMapEntries: Int
    public var quantization: [LayerQuantizationReport]
    public var compiler: String

    public init(image: NeuroImage, bytes: [UInt8]) throws {
        let report = try JSONDecoder().decode(ImageReport.self, from: Data(image.metadata.reportJSON.utf8))
        target = image.target.name
        targetKind = image.target.kind == .board ? "board" : "emulator"
        architecture = image.metadata.architecture
        modelSHA256 = image.metadata.modelSHA256.hexString
        imageSHA256 = Digest.sha256(bytes).hexString
        imageBytes = bytes.count
        timeSteps = image.timeSteps
        limits = report.limits
        quantization = report.quantization
        compiler = report.compiler
        inputMapEntries = image.inputMap.entries.count
        cores = image.cores.enumerated().map { index, core in
            let bits = image.layers[core.layer].weightBits
            let perEntry = max(report.limits.bitsPerEntry / bits, 1)
            let synapses = core.axonCount * core.neuronCount
            return CoreResources(core: index, layer: core.layer, firstNeuron: core.firstNeuron, neurons: core.neuronCount, axons: core.axonCount,
                                 synapses: synapses, memoryEntries: (synapses + perEntry - 1) / perEntry,
                                 routingEntries: image.routes[index].entries.count)
        }
    }

    public var text: String {
        var lines = ["image for target \(target) (\(targetKind)): \(architecture), T = \(timeSteps), \(imageBytes) bytes",
                     "  sha256 \(imageSHA256)", "  model sha256 \(modelSHA256)", "",
                     "core  layer  neurons          axons          synapses  memory entries        routing entries"]
        for c in cores {
            lines.append(String(format: "%4d  %5d  %-15@  %-13@  %8d  %-20@  %@", c.core, c.layer,
                                "\(c.neurons)/\(limits.neurons) @\(c.firstNeuron)" as NSString, "\(c.axons)/\(limits.inputAxons)" as NSString,
                                c.synapses, "\(c.memoryEntries)/\(limits.synapseEntries)" as NSString,
                                "\(c.routingEntries)/\(limits.routingEntries)" as NSString))
        }
        lines.append("cores used \(cores.count)/\(limits.cores); input map \(inputMapEntries) entries")
        lines.append("")
        lines.append("layer  scaling      bits  shift  clip  weight rms err  max err   clipped  thresholds      saturations  count err (max-abs)  spikes float/fixed")
        for q in quantization {
            let counts = q.countError.map { String(format: "%.3f (%.3f)", $0, q.maxAbsCountError ?? .nan) } ?? "not calibrated"
            let spikes = q.floatSpikesPerSample.map { String(format: "%.1f/%.1f", $0, q.fixedSpikesPerSample ?? .nan) } ?? "-"
            lines.append(String(format: "%5d  %-11@  %4d  %5d  %4.2f  %13.4f%%  %8.5f  %6.3f%%  %@  %11d  %-19@  %@", q.layer, q.scaling.rawValue as NSString,
                                q.weightBits, q.weightShift, q.clipFraction, 100 * q.weightRelativeRMSError, q.weightMaxAbsError,
                                100 * q.clippedFraction, "\(q.thresholdMin)...\(q.thresholdMax)".padding(toLength: 14, withPad: " ", startingAt: 0) as NSString,
                                q.saturationEvents, counts as NSString, spikes as NSString))
        }
        if let first = quantization.first {
            lines.append("decays: current \(first.currentDecay), membrane \(first.membraneDecay); calibration samples \(first.calibrationSamples)")
        }
        return lines.joined(separator: "\n")
    }
}

extension Array where Element == UInt8 {
    var hexString: String { map { String(format: "%02x", $0) }.joined() }
}
