import HardwareTargets

/// Splits every layer into slices that fit one core: at most `core.neurons` neurons, and at
/// most as many neurons as the synapse memory holds full fan-in columns for. A layer with
/// lateral inhibition stays whole (its neurons are coupled inside one core). Fan-in cannot be
/// split: a LIF neuron cannot add up currents computed on two cores.
public struct PartitionPass: CompilerPass {
    public static let name = "partition"
    public var target: HardwareTarget
    public var weightBits: Int

    public init(target: HardwareTarget, weightBits: Int) {
        self.target = target
        self.weightBits = weightBits
    }

    /// Neurons of fan-in `fanIn` that one core can hold.
    func neuronsPerCore(fanIn: Int) -> Int {
        min(target.core.neurons, target.core.synapseMemory.capacity(weightBits: weightBits) / max(fanIn, 1))
    }

    public func run(_ layers: [LayerShape], diagnostics: inout Diagnostics) -> Partitioning {
        let core = target.core
        var slices: [[LayerSlice]] = []
        for (l, shape) in layers.enumerated() {
            if shape.inputCount > core.inputAxons {
                diagnostics.report(Diagnostic(layer: l, resource: "input axons per core (fan-in)", need: shape.inputCount, limit: core.inputAxons,
                                              fixes: ["reduce \(l == 0 ? "the network input" : "layer \(l - 1)") to at most \(core.inputAxons) neurons (fan-in cannot be split over cores)"]))
            }
            let perCore = neuronsPerCore(fanIn: shape.inputCount)
            if perCore == 0 {
                let capacityBits = core.synapseMemory.entries * core.synapseMemory.bitsPerEntry
                let fittingBits = (2..<weightBits).reversed().first { core.synapseMemory.capacity(weightBits: $0) >= shape.inputCount }
                diagnostics.report(Diagnostic(layer: l, resource: "synapse memory bits for one neuron's fan-in", need: shape.inputCount * weightBits,
                                              limit: capacityBits, fixes: fittingBits.map { ["\($0)-bit weights would fit (--weight-bits \($0))"] } ?? []))
            }
            let width = max(perCore, 1)
            if shape.hasLateralInhibition {
                if !core.lateralInhibition {
                    diagnostics.report(Diagnostic(layer: l, resource: "lateral inhibition support", need: 1, limit: 0,
                                                  fixes: ["use a target whose cores support lateral inhibition"]))
                }
                if shape.neuronCount > width {
                    diagnostics.report(Diagnostic(layer: l, resource: "neurons on one core (a layer with lateral inhibition cannot be split)",
                                                  need: shape.neuronCount, limit: width,
                                                  fixes: ["reduce the layer to at most \(width) neurons"]))
                }
                slices.append([LayerSlice(layer: l, firstNeuron: 0, neuronCount: shape.neuronCount)])
                continue
            }
            let count = (shape.neuronCount + width - 1) / width
            let size = (shape.neuronCount + count - 1) / count
            slices.append(stride(from: 0, to: shape.neuronCount, by: size).map {
                LayerSlice(layer: l, firstNeuron: $0, neuronCount: min(size, shape.neuronCount - $0))
            })
        }
        return Partitioning(layers: layers, slices: slices, weightBits: weightBits)
    }

    /// Slices tile each layer in order, and every slice of a splittable layer fits a core.
    public func check(_ layers: [LayerShape], _ output: Partitioning) -> [String] {
        var problems: [String] = []
        guard output.slices.count == layers.count else { return ["\(output.slices.count) slice lists for \(layers.count) layers"] }
        for (l, list) in output.slices.enumerated() {
            var next = 0
            for slice in list {
                if slice.layer != l || slice.firstNeuron != next || slice.neuronCount < 1 { problems.append("layer \(l): slice \(slice) breaks the tiling") }
                next = slice.firstNeuron + slice.neuronCount
                let perCore = max(neuronsPerCore(fanIn: layers[l].inputCount), 1)
                if !layers[l].hasLateralInhibition && slice.neuronCount > perCore {
                    problems.append("layer \(l): slice of \(slice.neuronCount) neurons exceeds \(perCore) per core")
                }
            }
            if next != layers[l].neuronCount { problems.append("layer \(l): slices cover \(next) of \(layers[l].neuronCount) neurons") }
        }
        return problems
    }
}
