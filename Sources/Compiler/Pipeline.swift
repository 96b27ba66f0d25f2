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

/// model -> Partition -> Place -> Route -> Compress -> Quantize -> Emit, each pass checked.
/// Every pass runs even when an earlier one found violations, so one run reports them all;
/// then any error fails the compile with every diagnostic and the fixes found for them.
public enum ModelCompiler {
    public static func compile(model: Model, modelBytes: [UInt8], target: TargetLoader.LoadedTarget, calibration: [SpikeRaster],
                               options: CompileOptions = CompileOptions()) throws -> CompileResult {
        let network = model.network
        // Convolution and pooling are not lowered to cores yet (issue 12); compiling only the
        // fully connected tail would silently drop them.
        guard network.spatialLayers.isEmpty else {
            throw CompileFailure(diagnostics: [Diagnostic(
                resource: "convolution and pooling layers (\(network.architectureName)); the compiler lowers fully connected layers only",
                need: network.spatialLayers.count, limit: 0, fixes: ["compile a fully connected model (e.g. 784-800-10)"])])
        }
        let weightBits = options.weightBits ?? target.target.core.weightBits
        var diagnostics = Diagnostics()
        let (placement, tables) = try map(network, target: target.target, weightBits: weightBits, diagnostics: &diagnostics)
        let quantize = QuantizePass(target: target.target, weightBits: weightBits, scaling: options.scaling)
        // Calibrating a model that cannot be placed would only delay the report.
        let coreStarts = placement.coresOfLayer.map { $0.map { placement.cores[$0].firstNeuron } }
        let quantized = try quantize.apply(QuantizeInput(network: network, calibration: diagnostics.hasErrors ? [] : calibration,
                                                         coreStarts: coreStarts), diagnostics: &diagnostics)
        reportBudgetOverruns(quantized, placement: placement, budget: target.target.router.spikesPerStep, diagnostics: &diagnostics)
        let emitted = try EmitPass().apply(
            EmitInput(network: network, placement: placement, tables: tables, quantized: quantized, target: target,
                      modelSHA256: Digest.sha256(modelBytes), createdBy: options.createdBy),
            diagnostics: &diagnostics)
        guard !diagnostics.hasErrors else {
            suggestFixes(network, target: target, weightBits: weightBits, diagnostics: &diagnostics)
            throw CompileFailure(diagnostics: diagnostics.items)
        }
        return CompileResult(image: emitted.image, bytes: emitted.bytes, summary: try CompileSummary(image: emitted.image, bytes: emitted.bytes),
                             warnings: diagnostics.items.filter { $0.severity == .warning })
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

    /// The mapping passes: where every neuron goes and how spikes get there.
    static func map(_ network: Network, target: HardwareTarget, weightBits: Int,
                    diagnostics: inout Diagnostics) throws -> (Placement, RoutingTables) {
        let shapes = network.layers.map {
            LayerShape(inputCount: $0.inputCount, neuronCount: $0.outputCount, hasLateralInhibition: $0.lateralInhibition != 0)
        }
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

    /// Adds "N-bit weights would fit" and "use target X" where they would make the model fit.
    static func suggestFixes(_ network: Network, target: TargetLoader.LoadedTarget, weightBits: Int, diagnostics: inout Diagnostics) {
        if let bits = (2..<weightBits).reversed().first(where: { fits(network, target: target.target, weightBits: $0) }) {
            diagnostics.addFixToErrors("\(bits)-bit weights would fit (--weight-bits \(bits))")
        }
        let others = TargetLoader.knownNames().filter { $0 != target.target.name }.compactMap { try? TargetLoader.load($0).target }
        let fitting = others.filter { fits(network, target: $0, weightBits: $0.core.weightBits) }.sorted { $0.cores < $1.cores }
        if let best = fitting.first { diagnostics.addFixToErrors("use target \(best.name)") }
    }
}
