import HardwareTargets

import NeuroImage

/// Splits every layer into slices that fit one core: at most `core.neurons` neurons, and at
/// most as many neurons as the synapse memory holds full fan-in columns for. A layer with
/// lateral inhibition stays whole (its neurons are coupled inside one core). Fan-in cannot be
/// split: a LIF neuron cannot add up currents computed on two cores.
///
/// A convolution or pooling layer is cut into output tiles (a channel group times a block of
/// rows and columns) instead: a tile's neurons only see its input window, so its fan-in is the
/// window, not the layer's input. The tiling with the fewest cores wins (then the smallest
/// windows in all, which is the least routing); tiles are as even as the map allows.
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
            if let geometry = shape.geometry {
                slices.append(tileSlices(layer: l, geometry: geometry, diagnostics: &diagnostics))
                continue
            }
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

    /// Synapse memory a spatial core needs, in weights: the kernels once with shared kernels,
    /// else every synapse of its window.
    func synapseWeights(geometry: SpatialGeometry, tile: OutputTile) -> Int {
        target.core.supportsSharedKernels ? geometry.kernelWeightCount(channels: tile.channelCount)
            : geometry.window(of: tile).size.count * tile.neuronCount
    }

    func fits(geometry: SpatialGeometry, tile: OutputTile) -> Bool {
        tile.neuronCount <= target.core.neurons && geometry.window(of: tile).size.count <= target.core.inputAxons
            && synapseWeights(geometry: geometry, tile: tile) <= target.core.synapseMemory.capacity(weightBits: weightBits)
    }

    /// The numbers of near-equal pieces `size` can be cut into that give distinct piece lengths,
    /// ascending (1, 2, ... and then ceil(size / length) for the remaining lengths).
    static func distinctPartCounts(_ size: Int) -> [Int] {
        var counts: [Int] = []
        var length = size
        while length >= 1 {
            let count = (size + length - 1) / length
            if counts.last != count { counts.append(count) }
            // The next shorter length that changes the count.
            length = count >= size ? 0 : min(length - 1, (size + count) / (count + 1))
        }
        return counts
    }

    /// Splits `size` into `count` near-equal consecutive pieces: (start, length) each.
    static func pieces(_ size: Int, count: Int) -> [(start: Int, length: Int)] {
        let length = (size + count - 1) / count
        return stride(from: 0, to: size, by: length).map { ($0, min(length, size - $0)) }
    }

    /// The fewest tiles that fit, in channel-group, row-band, column-band order; reports the layer
    /// when even one neuron per core does not fit.
    func tileSlices(layer l: Int, geometry: SpatialGeometry, diagnostics: inout Diagnostics) -> [LayerSlice] {
        let map = geometry.output
        let single = OutputTile(channel0: 0, channelCount: 1, row0: 0, rowCount: 1, column0: 0, columnCount: 1)
        var best: (cores: Int, axons: Int, counts: (Int, Int, Int))?
        // Only distinct piece counts matter (about 2 sqrt(n) per dimension); for each channel
        // and row split the fewest column bands that fit is the only candidate.
        if fits(geometry: geometry, tile: single) {
            for channelParts in Self.distinctPartCounts(map.channels) {
                for rowParts in Self.distinctPartCounts(map.rows) {
                    for columnParts in Self.distinctPartCounts(map.columns) {
                        let cores = channelParts * rowParts * columnParts
                        if let best, best.cores < cores { break }
                        let largest = OutputTile(channel0: 0, channelCount: (map.channels + channelParts - 1) / channelParts, row0: 0,
                                                 rowCount: (map.rows + rowParts - 1) / rowParts, column0: 0,
                                                 columnCount: (map.columns + columnParts - 1) / columnParts)
                        guard fits(geometry: geometry, tile: largest) else { continue }
                        let axons = cores * geometry.window(of: largest).size.count
                        if best == nil || (cores, axons) < (best!.cores, best!.axons) { best = (cores, axons, (channelParts, rowParts, columnParts)) }
                        break  // more column bands only add cores
                    }
                }
            }
        }
        guard let (_, _, (channelParts, rowParts, columnParts)) = best else {
            reportUnfittable(layer: l, geometry: geometry, diagnostics: &diagnostics)
            return [LayerSlice(layer: l, firstNeuron: 0, neuronCount: map.count,
                               tile: OutputTile(channel0: 0, channelCount: map.channels, row0: 0, rowCount: map.rows, column0: 0, columnCount: map.columns))]
        }
        var slices: [LayerSlice] = []
        var first = 0
        for channels in Self.pieces(map.channels, count: channelParts) {
            for rows in Self.pieces(map.rows, count: rowParts) {
                for columns in Self.pieces(map.columns, count: columnParts) {
                    let tile = OutputTile(channel0: channels.start, channelCount: channels.length, row0: rows.start, rowCount: rows.length,
                                          column0: columns.start, columnCount: columns.length)
                    slices.append(LayerSlice(layer: l, firstNeuron: first, neuronCount: tile.neuronCount, tile: tile))
                    first += tile.neuronCount
                }
            }
        }
        return slices
    }

    /// Says which resource even a one-neuron tile exceeds.
    private func reportUnfittable(layer l: Int, geometry: SpatialGeometry, diagnostics: inout Diagnostics) {
        let single = OutputTile(channel0: 0, channelCount: 1, row0: 0, rowCount: 1, column0: 0, columnCount: 1)
        let window = geometry.window(of: single).size.count
        if window > target.core.inputAxons {
            diagnostics.report(Diagnostic(layer: l, resource: "input axons per core (the input window of one neuron: channels x kernel^2)",
                                          need: window, limit: target.core.inputAxons, fixes: ["use fewer input channels or a smaller kernel"]))
        }
        let weights = synapseWeights(geometry: geometry, tile: single)
        let capacity = target.core.synapseMemory.capacity(weightBits: weightBits)
        if weights > capacity {
            diagnostics.report(Diagnostic(layer: l, resource: "synapse memory weights for one neuron's kernel", need: weights, limit: capacity,
                                          fixes: ["use a target with more synapse memory"]))
        }
    }

    /// Slices tile each layer in order, and every slice of a splittable layer fits a core.
    public func check(_ layers: [LayerShape], _ output: Partitioning) -> [String] {
        var problems: [String] = []
        guard output.slices.count == layers.count else { return ["\(output.slices.count) slice lists for \(layers.count) layers"] }
        for (l, list) in output.slices.enumerated() {
            var next = 0
            var covered = Set<Int>()
            for slice in list {
                if let geometry = layers[l].geometry {
                    guard let tile = slice.tile, tile.neuronCount == slice.neuronCount else {
                        problems.append("layer \(l): spatial slice \(slice) has no matching tile"); continue
                    }
                    let indices = tile.mapIndices(in: geometry.output)
                    if indices.contains(where: { covered.contains($0) }) { problems.append("layer \(l): tiles overlap") }
                    covered.formUnion(indices)
                    if !fits(geometry: geometry, tile: tile) && list.count > 1 { problems.append("layer \(l): tile \(tile) exceeds a core") }
                    if slice.firstNeuron != next { problems.append("layer \(l): slice \(slice) breaks the order") }
                    next = slice.firstNeuron + slice.neuronCount
                    continue
                }
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
