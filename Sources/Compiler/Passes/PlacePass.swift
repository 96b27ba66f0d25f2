import HardwareTargets

/// Places slices on cores in layer order (core 0 upward). Cores are identical and the router
/// reaches every core, so any order is valid; layer order keeps a layer's cores adjacent,
/// which lets the router compress consecutive destinations. Reports a shortage of cores.
public struct PlacePass: CompilerPass {
    public static let name = "place"
    public var target: HardwareTarget

    public init(target: HardwareTarget) { self.target = target }

    public func run(_ input: Partitioning, diagnostics: inout Diagnostics) -> Placement {
        let cores = input.slices.flatMap { $0 }
        var coresOfLayer = [[Int]](repeating: [], count: input.layers.count)
        for (index, slice) in cores.enumerated() { coresOfLayer[slice.layer].append(index) }
        if cores.count > target.cores {
            let perLayer = input.slices.enumerated().map { "layer \($0.offset): \($0.element.count)" }.joined(separator: ", ")
            let largest = input.slices.indices.max { input.slices[$0].count < input.slices[$1].count }!
            let spare = target.cores - (cores.count - input.slices[largest].count)
            let perCore = PartitionPass(target: target, weightBits: input.weightBits).neuronsPerCore(fanIn: input.layers[largest].inputCount)
            let fixes = spare > 0 && !input.layers[largest].hasLateralInhibition
                ? ["reduce layer \(largest) to at most \(spare * perCore) neurons (\(spare) cores of \(perCore))"] : []
            diagnostics.report(Diagnostic(resource: "cores (\(perLayer))", need: cores.count, limit: target.cores, fixes: fixes))
        }
        return Placement(layers: input.layers, cores: cores, coresOfLayer: coresOfLayer)
    }

    /// Every slice sits on exactly one core and the per-layer index agrees with the core list.
    public func check(_ input: Partitioning, _ output: Placement) -> [String] {
        var problems: [String] = []
        if output.cores != input.slices.flatMap({ $0 }) { problems.append("placed cores differ from the partition's slices") }
        for (l, list) in output.coresOfLayer.enumerated() {
            if list.map({ output.cores[$0] }) != input.slices[l] { problems.append("layer \(l): core list does not match its slices") }
        }
        return problems
    }
}
