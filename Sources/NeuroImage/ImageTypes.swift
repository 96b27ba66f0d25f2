/// The decoded, validated in-memory form of a compiled image (docs/image-format.md). The
/// emulator executes it; the loader sends its encoded bytes. Every index in it has been checked
/// by the decoder, so consumers may index without further checks.
public struct NeuroImage: Sendable, Equatable {
    /// The newest version this build reads and writes; version 1 is written for images whose
    /// layers are all fully connected (docs/image-format.md, "Version 2").
    public static let formatVersion: UInt32 = 2

    /// The version `ImageEncoder` writes for this image.
    public var encodedVersion: UInt32 { layers.contains { $0.spatial != nil } ? 2 : 1 }

    public var inputCount: Int
    public var outputCount: Int
    /// The time window T the model was compiled for.
    public var timeSteps: Int
    public var target: TargetIdentity
    public var layers: [ImageLayer]
    public var cores: [ImageCore]
    /// `routes[c]` is the router table of core c (its sources are the core's local neurons).
    public var routes: [RoutingTable]
    /// Routes network input j (the source) to first-layer axons.
    public var inputMap: RoutingTable
    public var outputMap: [OutputMapEntry]
    public var metadata: ImageMetadata

    public init(inputCount: Int, outputCount: Int, timeSteps: Int, target: TargetIdentity, layers: [ImageLayer], cores: [ImageCore],
                routes: [RoutingTable], inputMap: RoutingTable, outputMap: [OutputMapEntry], metadata: ImageMetadata) {
        self.inputCount = inputCount
        self.outputCount = outputCount
        self.timeSteps = timeSteps
        self.target = target
        self.layers = layers
        self.cores = cores
        self.routes = routes
        self.inputMap = inputMap
        self.outputMap = outputMap
        self.metadata = metadata
    }
}

public struct TargetIdentity: Sendable, Equatable {
    public enum Kind: UInt8, Sendable { case emulator = 0, board = 1 }
    public var name: String
    public var kind: Kind
    /// SHA-256 of the target description file the image was compiled against.
    public var descriptionSHA256: [UInt8]
    /// Board identity; all 0 for the emulator.
    public var usbVendorId: Int
    public var usbProductId: Int
    public var protocolVersion: Int

    public init(name: String, kind: Kind, descriptionSHA256: [UInt8], usbVendorId: Int = 0, usbProductId: Int = 0, protocolVersion: Int = 0) {
        self.name = name
        self.kind = kind
        self.descriptionSHA256 = descriptionSHA256
        self.usbVendorId = usbVendorId
        self.usbProductId = usbProductId
        self.protocolVersion = protocolVersion
    }
}

/// One logical layer: its integer rule and per-neuron parameters (docs/fixed-point.md section 1).
public struct ImageLayer: Sendable, Equatable {
    public var inputCount: Int
    public var neuronCount: Int
    public var rule: NeuronRule
    public var thresholdBits: Int
    public var weightBits: Int
    public var hasLateralInhibition: Bool
    /// Float constants kept only to print states in float units: v = u * weightStep / (2^F * tauS).
    public var tauS: Float
    public var floatThreshold: Float
    public var thresholds: [Int64]
    public var laterals: [Int64]
    public var weightSteps: [Float]
    /// nil for a fully connected layer; the geometry of a convolution or pooling layer, whose
    /// neurons are in image order (its cores' tiles one after another).
    public var spatial: SpatialGeometry?

    public init(inputCount: Int, neuronCount: Int, rule: NeuronRule, thresholdBits: Int, weightBits: Int, hasLateralInhibition: Bool,
                tauS: Float, floatThreshold: Float, thresholds: [Int64], laterals: [Int64], weightSteps: [Float],
                spatial: SpatialGeometry? = nil) {
        self.spatial = spatial
        self.inputCount = inputCount
        self.neuronCount = neuronCount
        self.rule = rule
        self.thresholdBits = thresholdBits
        self.weightBits = weightBits
        self.hasLateralInhibition = hasLateralInhibition
        self.tauS = tauS
        self.floatThreshold = floatThreshold
        self.thresholds = thresholds
        self.laterals = laterals
        self.weightSteps = weightSteps
    }
}

/// One core: a contiguous range of one layer's neurons and their synapse memory.
public struct ImageCore: Sendable, Equatable {
    public var layer: Int
    public var firstNeuron: Int
    public var neuronCount: Int
    /// A fully connected core: the layer's fan-in (axon a receives source neuron a of the layer
    /// below). A spatial core: its tile's input window; the routes bring each source there.
    public var axonCount: Int
    /// q[a * neuronCount + k] for axon a and local neuron k, except for a shared-kernel core,
    /// where it holds the tile channels' kernels (docs/image-format.md, version 2).
    public var weights: [Int8]
    /// The output tile of a spatial layer's core; nil on a fully connected layer.
    public var tile: OutputTile?
    public var form: SynapseForm

    public init(layer: Int, firstNeuron: Int, neuronCount: Int, axonCount: Int, weights: [Int8],
                tile: OutputTile? = nil, form: SynapseForm = .expanded) {
        self.layer = layer
        self.firstNeuron = firstNeuron
        self.neuronCount = neuronCount
        self.axonCount = axonCount
        self.weights = weights
        self.tile = tile
        self.form = form
    }

    /// The core's synapses written out, q[a * neuronCount + k], whatever the form.
    public func expandedWeights(layer: ImageLayer) -> [Int8] {
        guard form == .sharedKernel, let tile, let geometry = layer.spatial else { return weights }
        return geometry.expandedWeights(tile: tile, kernels: weights)
    }
}

public struct RouteTarget: Sendable, Equatable, Hashable {
    public var core: Int
    public var axonBase: Int
    public init(core: Int, axonBase: Int) {
        self.core = core
        self.axonBase = axonBase
    }
}

/// Matches source n when `n & mask == key`; sends it to `axonBase + (n & ~mask)` of each target.
public struct RouteEntry: Sendable, Equatable {
    public var key: UInt32
    public var mask: UInt32
    public var targets: [RouteTarget]
    public init(key: UInt32, mask: UInt32, targets: [RouteTarget]) {
        self.key = key
        self.mask = mask
        self.targets = targets
    }
}

public struct Destination: Sendable, Equatable, Hashable, Comparable {
    public var core: Int
    public var axon: Int
    public init(core: Int, axon: Int) {
        self.core = core
        self.axon = axon
    }
    public static func < (a: Destination, b: Destination) -> Bool { (a.core, a.axon) < (b.core, b.axon) }
}

public struct RoutingTable: Sendable, Equatable {
    /// Source spikes forwarded per step (lowest source index first); 0 = no budget.
    public var spikeBudget: Int
    public var entries: [RouteEntry]

    public init(spikeBudget: Int, entries: [RouteEntry]) {
        self.spikeBudget = spikeBudget
        self.entries = entries
    }

    /// Where a spike of `source` goes: the first matching entry's targets, none if no entry matches.
    public func destinations(of source: Int) -> [Destination] {
        let n = UInt32(truncatingIfNeeded: source)
        guard let entry = entries.first(where: { n & $0.mask == $0.key }) else { return [] }
        let offset = Int(n & ~entry.mask)
        return entry.targets.map { Destination(core: $0.core, axon: $0.axonBase + offset) }
    }
}

/// Local neurons `firstNeuron ..< firstNeuron + count` of `core` are network outputs
/// `firstOutput ...`.
public struct OutputMapEntry: Sendable, Equatable {
    public var core: Int
    public var firstNeuron: Int
    public var count: Int
    public var firstOutput: Int
    public init(core: Int, firstNeuron: Int, count: Int, firstOutput: Int) {
        self.core = core
        self.firstNeuron = firstNeuron
        self.count = count
        self.firstOutput = firstOutput
    }
}

public struct ImageMetadata: Sendable, Equatable {
    /// SHA-256 of the float model file the image was compiled from.
    public var modelSHA256: [UInt8]
    public var architecture: String
    public var createdBy: String
    /// The compiler's report (resources and quantization) as UTF-8 JSON, for `hm2bp inspect`.
    public var reportJSON: String

    public init(modelSHA256: [UInt8], architecture: String, createdBy: String, reportJSON: String) {
        self.modelSHA256 = modelSHA256
        self.architecture = architecture
        self.createdBy = createdBy
        self.reportJSON = reportJSON
    }
}
