import Foundation
import NeuroImage
import SpikeModel
import StrictJSON

/// What the model the image was compiled from was trained on: the commands that run the image
/// default to these (docs/cli.md).
public struct ImageProvenance: Codable, Sendable, Equatable {
    public var dataset: String
    public var seed: UInt64
    public var encoder: String

    public init(dataset: String, seed: UInt64, encoder: String) {
        self.dataset = dataset
        self.seed = seed
        self.encoder = encoder
    }

    public init(_ model: Provenance) {
        self.init(dataset: model.dataset, seed: model.seed, encoder: model.encoder ?? Provenance.poissonEncoder)
    }
}

/// The image's META report is not the compiler's JSON.
public struct ImageReportError: Error, CustomStringConvertible {
    public var problem: JSONFieldError
    public var description: String { "META report \(problem)" }
}

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
    /// Absent in images compiled before it was recorded.
    public var provenance: ImageProvenance?

    /// Decodes an image's report, naming the field when it is not the compiler's JSON.
    public static func decode(_ image: NeuroImage) throws -> ImageReport {
        do {
            return try StrictJSON.decode(ImageReport.self, from: Array(image.metadata.reportJSON.utf8))
        } catch let error as JSONFieldError {
            throw ImageReportError(problem: error)
        }
    }
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
    /// A convolution or pooling core's output tile, "channels x rows x columns at (c, y, x)";
    /// absent on a fully connected core.
    public var tile: String? = nil
    /// How a spatial core holds its synapses: "shared" kernels or "expanded"; absent otherwise.
    public var synapseForm: String? = nil
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
    public var provenance: ImageProvenance?

    public init(image: NeuroImage, bytes: [UInt8]) throws {
        let report = try ImageReport.decode(image)
        provenance = report.provenance
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
            let synapses = core.weights.count  // a shared-kernel core stores its kernels once
            return CoreResources(core: index, layer: core.layer, firstNeuron: core.firstNeuron, neurons: core.neuronCount, axons: core.axonCount,
                                 synapses: synapses, memoryEntries: (synapses + perEntry - 1) / perEntry,
                                 routingEntries: image.routes[index].entries.count,
                                 tile: core.tile.map { "\($0.channelCount)x\($0.rowCount)x\($0.columnCount) at (\($0.channel0), \($0.row0), \($0.column0))" },
                                 synapseForm: core.tile.map { _ in core.form == .sharedKernel ? "shared" : "expanded" })
        }
    }

    public var text: String {
        var lines = ["image for target \(target) (\(targetKind)): \(architecture), T = \(timeSteps), \(imageBytes) bytes",
                     "  sha256 \(imageSHA256)", "  model sha256 \(modelSHA256)", ""]
        // Spatial cores add their tile and synapse form (a fully connected image keeps its columns).
        let spatial = cores.contains { $0.tile != nil }
        var coreRows = [["core", "layer", "first", "neurons", "axons", "synapses", "memory entries", "routing entries"]
                        + (spatial ? ["tile (c x rows x cols at origin)", "kernels"] : [])]
        for c in cores {
            coreRows.append(["\(c.core)", "\(c.layer)", "\(c.firstNeuron)", "\(c.neurons)/\(limits.neurons)", "\(c.axons)/\(limits.inputAxons)",
                             "\(c.synapses)", "\(c.memoryEntries)/\(limits.synapseEntries)", "\(c.routingEntries)/\(limits.routingEntries)"]
                            + (spatial ? [c.tile ?? "-", c.synapseForm ?? "-"] : []))
        }
        lines += Self.table(coreRows)
        lines.append("cores used \(cores.count)/\(limits.cores); input map \(inputMapEntries) entries")
        lines.append("")
        var quantRows = [["layer", "scaling", "bits", "shift", "clip", "coarsened", "weight rms err", "max err", "clipped", "thresholds",
                          "saturations", "count err (max-abs)", "spikes float/fixed"]]
        for q in quantization {
            quantRows.append([
                "\(q.layer)", q.scaling.rawValue, "\(q.weightBits)", "\(q.weightShift)", String(format: "%.2f", q.clipFraction), "\(q.coarsenedNeurons)",
                String(format: "%.3f%%", 100 * q.weightRelativeRMSError), String(format: "%.5f", q.weightMaxAbsError),
                String(format: "%.3f%%", 100 * q.clippedFraction), "\(q.thresholdMin)...\(q.thresholdMax)", "\(q.saturationEvents)",
                q.countError.map { String(format: "%.3f (%.3f)", $0, q.maxAbsCountError ?? .nan) } ?? "not calibrated",
                q.floatSpikesPerSample.map { String(format: "%.1f/%.1f", $0, q.fixedSpikesPerSample ?? .nan) } ?? "-",
            ])
        }
        lines += Self.table(quantRows)
        if let first = quantization.first {
            lines.append("decays: current \(first.currentDecay), membrane \(first.membraneDecay); calibration samples \(first.calibrationSamples)")
            lines.append("count err: mean |fixed - float| spikes per neuron and sample (in brackets: with plain max-abs scales)")
            for q in quantization {
                if let peaks = q.peakSpikesPerStepPerCore {
                    lines.append("layer \(q.layer): most spikes in one step per core (router load): \(peaks.map(String.init).joined(separator: " "))")
                }
            }
        }
        return lines.joined(separator: "\n")
    }

    /// Right-aligned columns, two spaces apart.
    static func table(_ rows: [[String]]) -> [String] {
        let widths = rows[0].indices.map { column in rows.map { $0[column].count }.max() ?? 0 }
        return rows.map { row in
            row.enumerated().map { String(repeating: " ", count: widths[$0.offset] - $0.element.count) + $0.element }.joined(separator: "  ")
        }
    }
}

extension Array where Element == UInt8 {
    var hexString: String { map { String(format: "%02x", $0) }.joined() }
}
