import NeuroImage

/// The shape of a network as the mapping passes see it (weights are not needed to map).
public struct LayerShape: Sendable, Equatable {
    public var inputCount: Int
    public var neuronCount: Int
    public var hasLateralInhibition: Bool
    /// A convolution or pooling layer's geometry; nil for a fully connected layer.
    public var geometry: SpatialGeometry?

    public init(inputCount: Int, neuronCount: Int, hasLateralInhibition: Bool, geometry: SpatialGeometry? = nil) {
        self.inputCount = inputCount
        self.neuronCount = neuronCount
        self.hasLateralInhibition = hasLateralInhibition
        self.geometry = geometry
    }
}

/// A contiguous range of one layer's neurons (in image order) that goes on one core; for a
/// spatial layer, the output tile those neurons are (docs/image-format.md, version 2).
public struct LayerSlice: Sendable, Equatable {
    public var layer: Int
    public var firstNeuron: Int
    public var neuronCount: Int
    public var tile: OutputTile? = nil
}

/// Partition's result: the slices of every layer, in layer order.
public struct Partitioning: Sendable, Equatable {
    public var layers: [LayerShape]
    public var slices: [[LayerSlice]]
    /// The weight width the partition was sized for.
    public var weightBits: Int
}

/// Place's result: slice placed on core `index` (cores are numbered from 0 on the target).
public struct Placement: Sendable, Equatable {
    public var layers: [LayerShape]
    public var cores: [LayerSlice]
    /// Cores of each layer, ascending.
    public var coresOfLayer: [[Int]]

    /// The model's index (the feature-map index for a spatial layer) of neuron `n` of `core`.
    func modelIndex(core: Int, neuron n: Int, tileIndices: [Int: [Int]]) -> Int {
        tileIndices[core]?[n] ?? cores[core].firstNeuron + n
    }

    /// Map indices of every spatial core's local neurons, by core.
    func tileIndices() -> [Int: [Int]] {
        var out: [Int: [Int]] = [:]
        for (c, slice) in cores.enumerated() {
            if let tile = slice.tile, let geometry = layers[slice.layer].geometry { out[c] = tile.mapIndices(in: geometry.output) }
        }
        return out
    }

    /// For every layer, the image index of each model neuron (identity for a fully connected layer).
    func imageIndexOfModelNeuron() -> [[Int]] {
        let tiles = tileIndices()
        return layers.indices.map { l in
            var out = Array(0..<layers[l].neuronCount)
            for c in coresOfLayer[l] {
                guard let indices = tiles[c] else { continue }
                for (n, m) in indices.enumerated() { out[m] = cores[c].firstNeuron + n }
            }
            return out
        }
    }
}

/// Route's and Compress's result: one table per core plus the input map.
public struct RoutingTables: Sendable, Equatable {
    public var coreTables: [RoutingTable]
    public var inputMap: RoutingTable
}
