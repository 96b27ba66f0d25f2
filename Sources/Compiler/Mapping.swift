import NeuroImage

/// The shape of a network as the mapping passes see it (weights are not needed to map).
public struct LayerShape: Sendable, Equatable {
    public var inputCount: Int
    public var neuronCount: Int
    public var hasLateralInhibition: Bool

    public init(inputCount: Int, neuronCount: Int, hasLateralInhibition: Bool) {
        self.inputCount = inputCount
        self.neuronCount = neuronCount
        self.hasLateralInhibition = hasLateralInhibition
    }
}

/// A contiguous range of one layer's neurons that goes on one core.
public struct LayerSlice: Sendable, Equatable {
    public var layer: Int
    public var firstNeuron: Int
    public var neuronCount: Int
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
}

/// Route's and Compress's result: one table per core plus the input map.
public struct RoutingTables: Sendable, Equatable {
    public var coreTables: [RoutingTable]
    public var inputMap: RoutingTable
}
