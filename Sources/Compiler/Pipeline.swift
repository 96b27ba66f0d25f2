import HardwareTargets
import NeuroImage
import SpikeModel

public struct CompileOptions: Sendable {
    /// Weight width; nil: the target's widest.
    public var weightBits: Int?
    public var scaling: WeightScaling
    public var createdBy: String

    public init(weightBits: Int? = nil, scaling: WeightScaling = .perChannel, createdBy: String = "hm2bp") {
        self.weightBits = weightBits
        self.scaling = scaling
        self.createdBy = createdBy
    }
}

public struct CompileResult: Sendable {
    public var image: NeuroImage
    public var bytes: [UInt8]
    public var summary: CompileSummary
    /// Diagnostics that do not stop the compile (e.g. spike budgets exceeded in calibration).
    public var warnings: [Diagnostic]
}

/// An option the compiler cannot use with this target, named as the CLI flag.
public struct CompileOptionError: Error, CustomStringConvertible, Equatable {
    public var option: String
    public var problem: String
    public var description: String { "\(option): \(problem)" }
}

/// model -> Partition -> Place -> Route -> Compress -> Quantize -> Emit, each pass checked.
/// Every pass runs even when an earlier one found violations, so one run reports them all;
/// then any error fails the compile with every diagnostic and the fixes found for them.
public enum ModelCompiler {
    public static func compile(model: Model, modelBytes: [UInt8], target: TargetLoader.LoadedTarget, calibration: [SpikeRaster],
                               options: CompileOptions = CompileOptions()) throws -> CompileResult {
        let network = model.network
        let weightBits = options.weightBits ?? target.target.core.weightBits
        // Checked before any pass: the quantizer builds weights of this width (qmax = 2^(W-1) - 1
        // must be >= 1 and fit the Int8 synapse array and the target's synapses).
        guard (2...target.target.core.weightBits).contains(weightBits) else {
            throw CompileOptionError(option: "--weight-bits",
                                     problem: "must be 2 ... \(target.target.core.weightBits), the widest weight target \(target.target.name) holds (core.weightBits; got \(weightBits))")
        }
        var diagnostics = Diagnostics()
        let (placement, tables) = try map(network, target: target.target, weightBits: weightBits, diagnostics: &diagnostics)
        let quantize = QuantizePass(target: target.target, weightBits: weightBits, scaling: options.scaling)
        // Calibrating a model that cannot be placed would only delay the report.
        let quantized = try quantize.apply(QuantizeInput(network: network, calibration: diagnostics.hasErrors ? [] : calibration,
                                                         coreOfNeuron: coreOfNeuron(placement)), diagnostics: &diagnostics)
        reportBudgetOverruns(quantized, placement: placement, budget: target.target.router.spikesPerStep, diagnostics: &diagnostics)
        // An image with a violation (e.g. a refractory period beyond the target's, which the
        // image format cannot hold) cannot be encoded faithfully, so Emit runs only on one that
        // fits; its own check would otherwise turn the violation into an "internal error".
        if diagnostics.hasErrors {
            suggestFixes(network, target: target, weightBits: weightBits, diagnostics: &diagnostics)
            throw CompileFailure(diagnostics: diagnostics.items)
        }
        let emitted = try EmitPass().apply(
            EmitInput(network: network, placement: placement, tables: tables, quantized: quantized, target: target,
                      modelSHA256: Digest.sha256(modelBytes), createdBy: options.createdBy,
                      provenance: ImageProvenance(model.provenance)),
            diagnostics: &diagnostics)
        guard !diagnostics.hasErrors else {
            suggestFixes(network, target: target, weightBits: weightBits, diagnostics: &diagnostics)
            throw CompileFailure(diagnostics: diagnostics.items)
        }
        reportSaturation(quantized, diagnostics: &diagnostics)
        return CompileResult(image: emitted.image, bytes: emitted.bytes, summary: try CompileSummary(image: emitted.image, bytes: emitted.bytes),
                             warnings: diagnostics.items.filter { $0.severity == .warning })
    }

    /// Calibration runs the integer layers: a state that hit its bound lost charge, so the image
    /// may disagree with the float model; say where, as a warning (it depends on the data).
    static func reportSaturation(_ quantized: [QuantizedLayer], diagnostics: inout Diagnostics) {
        for (l, layer) in quantized.enumerated() where layer.report.saturationEvents > 0 {
            diagnostics.report(Diagnostic(.warning, layer: l, resource: "saturation events during calibration (the fixed-point state was clipped)",
                                          need: layer.report.saturationEvents, limit: 0,
                                          fixes: ["check the accuracy with hm2bp verify", "use a target with more core.stateBits"]))
        }
    }

    /// A router drops source spikes beyond its per-step budget; if calibration saw a core emit
    /// more, the image runs but loses spikes, so say where (a warning: it depends on the data).
    static func reportBudgetOverruns(_ quantized: [QuantizedLayer], placement: Placement, budget: Int, diagnostics: inout Diagnostics) {
        guard budget > 0 else { return }
        for (l, layer) in quantized.enumerated() {
            guard let peaks = layer.report.peakSpikesPerStepPerCore else { continue }
            for (k, peak) in peaks.enumerated() where peak > budget {
                diagnostics.report(Diagnostic(.warning, layer: l, core: placement.coresOfLayer[l][k],
                                              resource: "source spikes in one step during calibration (the router drops those beyond its budget)",
                                              need: peak, limit: budget, fixes: ["use a target with a larger router.spikesPerStep"]))
            }
        }
    }

    /// For each layer, the index among the layer's cores of every model neuron.
    static func coreOfNeuron(_ placement: Placement) -> [[Int32]] {
        let imageIndex = placement.imageIndexOfModelNeuron()
        return placement.layers.indices.map { l in
            var coreOfImageNeuron = [Int32](repeating: 0, count: placement.layers[l].neuronCount)
            for (k, c) in placement.coresOfLayer[l].enumerated() {
                let slice = placement.cores[c]
                for n in slice.firstNeuron..<(slice.firstNeuron + slice.neuronCount) { coreOfImageNeuron[n] = Int32(k) }
            }
            return imageIndex[l].map { coreOfImageNeuron[$0] }
        }
    }

    /// The mapping passes: where every neuron goes and how spikes get there.
    static func map(_ network: Network, target: HardwareTarget, weightBits: Int,
                    diagnostics: inout Diagnostics) throws -> (Placement, RoutingTables) {
        try map(LoweredLayer.layers(of: network).map(\.shape), target: target, weightBits: weightBits, diagnostics: &diagnostics)
    }

    static func map(_ shapes: [LayerShape], target: HardwareTarget, weightBits: Int,
                    diagnostics: inout Diagnostics) throws -> (Placement, RoutingTables) {
        let partitioning = try PartitionPass(target: target, weightBits: weightBits).apply(shapes, diagnostics: &diagnostics)
        let placement = try PlacePass(target: target).apply(partitioning, diagnostics: &diagnostics)
        let exact = try RoutePass(target: target).apply(placement, diagnostics: &diagnostics)
        let tables = try CompressPass(target: target).apply(RoutedPlacement(placement: placement, tables: exact), diagnostics: &diagnostics)
        return (placement, tables)
    }

    /// Whether the network maps onto `target` and its constants are representable there.
    static func fits(_ network: Network, target: HardwareTarget, weightBits: Int) -> Bool {
        var diagnostics = Diagnostics()
        guard (try? map(network, target: target, weightBits: weightBits, diagnostics: &diagnostics)) != nil else { return false }
        _ = QuantizePass(target: target, weightBits: weightBits, scaling: .perChannel).checkRepresentable(network, diagnostics: &diagnostics)
        return !diagnostics.hasErrors
    }

    /// The widest hidden layers (all of one width H, input and output kept) that map onto the
    /// target, or nil when even H = 1 does not or the network has no hidden layer.
    static func largestFittingHiddenWidth(_ network: Network, target: HardwareTarget, weightBits: Int) -> Int? {
        let architecture = network.architecture
        // The suggestion varies the width of fully connected hidden layers only.
        guard architecture.count > 2, !network.isConvolutional else { return nil }
        let lateral = network.layers.last.map { $0.lateralInhibition != 0 } ?? false
        func fits(_ width: Int) -> Bool {
            let widths = [architecture[0]] + Array(repeating: width, count: architecture.count - 2) + [architecture.last!]
            let shapes = (1..<widths.count).map {
                LayerShape(inputCount: widths[$0 - 1], neuronCount: widths[$0], hasLateralInhibition: $0 == widths.count - 1 && lateral)
            }
            var diagnostics = Diagnostics()
            return (try? map(shapes, target: target, weightBits: weightBits, diagnostics: &diagnostics)) != nil && !diagnostics.hasErrors
        }
        guard fits(1) else { return nil }
        var low = 1, high = architecture.dropFirst().dropLast().max() ?? 1
        while low < high {
            let middle = (low + high + 1) / 2
            if fits(middle) { low = middle } else { high = middle - 1 }
        }
        return low
    }

    /// Adds "N-bit weights would fit", the largest architecture of this shape that fits, and
    /// "use target X" (another board, for a board) where they would make the model fit.
    static func suggestFixes(_ network: Network, target: TargetLoader.LoadedTarget, weightBits: Int, diagnostics: inout Diagnostics) {
        if let bits = (2..<weightBits).reversed().first(where: { fits(network, target: target.target, weightBits: $0) }) {
            diagnostics.addFixToErrors("\(bits)-bit weights would fit (--weight-bits \(bits))")
        }
        if !fits(network, target: target.target, weightBits: weightBits),
           let width = largestFittingHiddenWidth(network, target: target.target, weightBits: weightBits),
           width < (network.architecture.dropFirst().dropLast().max() ?? 0) {
            let widths = [network.inputCount] + Array(repeating: width, count: network.layers.count - 1) + [network.outputCount]
            let name = widths.map(String.init).joined(separator: "-")
            diagnostics.addFixToErrors("the largest \(network.inputCount)-H-...-\(network.outputCount) that fits \(target.target.name) is \(name) "
                                       + "(retrain: hm2bp train --arch \(name))")
        }
        let others = TargetLoader.knownNames().filter { $0 != target.target.name }.compactMap { try? TargetLoader.load($0).target }
            .filter { target.target.kind == .emulator || $0.kind == .board }
        let fitting = others.filter { fits(network, target: $0, weightBits: $0.core.weightBits) }.sorted { $0.cores < $1.cores }
        if let best = fitting.first { diagnostics.addFixToErrors("use target \(best.name)") }
    }
}
