import SpikeModel

/// What to record besides the counters, which are always kept.
public struct Recording: OptionSet, Sendable {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }
    /// Every spike of every core (local indices) and of every layer (layer indices).
    public static let spikes = Recording(rawValue: 1)
    /// u at the threshold test and c of every neuron at every step.
    public static let states = Recording(rawValue: 2)
}

/// Integer state of one layer over a sample: `membrane[t * neurons + i]` is u at the threshold
/// test (after the refractory clamp, before the reset), `current[...]` is c after step 4.
public struct LayerStates: Sendable, Equatable {
    public var neurons: Int
    public var timeSteps: Int
    public var membrane: [Int64]
    public var current: [Int64]
}

/// The outcome of one sample.
public struct SampleResult: Sendable, Equatable {
    /// Spike count of every network output (through the image's output map).
    public var outputCounts: [Int32]
    /// argmax of `outputCounts`, ties to the lowest index (the trainer's rule; silence predicts 0).
    public var prediction: Int
    /// Spike count of every neuron, per layer (layer indices).
    public var neuronCounts: [[Int32]]
    /// Saturation events per layer (docs/fixed-point.md section 1).
    public var saturations: [Int]
    /// Source spikes each core's router dropped for its spike budget; the last entry is the input map.
    public var droppedSpikes: [Int]
    /// Axon events delivered to cores (one per routed spike and destination).
    public var axonEvents: Int
    /// Synaptic events: for each delivered axon event, the neurons of the receiving core.
    public var synapticEvents: Int
    /// With `.spikes`: per core, local neuron indices; per layer, layer neuron indices.
    public var coreSpikes: [SpikeRaster]?
    public var layerSpikes: [SpikeRaster]?
    /// With `.states`: per layer.
    public var layerStates: [LayerStates]?

    public var layerSpikeTotals: [Int] { neuronCounts.map { $0.reduce(0) { $0 + Int($1) } } }
}

/// argmax, ties to the lowest index; all-zero counts predict 0.
public func predictedClass(counts: [Int32]) -> Int {
    var best = 0
    for (i, c) in counts.enumerated() where c > counts[best] { best = i }
    return best
}
