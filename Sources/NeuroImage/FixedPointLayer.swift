/// A whole layer (or one core's share of it) run with `FixedPointNeuron` for T steps: the
/// reference the compiler calibrates with and the emulator's tests compare against.
public struct FixedPointLayer: Sendable {
    public var rule: NeuronRule
    public var axonCount: Int
    public var neuronCount: Int
    /// q[a * neuronCount + i], axon-major like the synapse memory; empty when `sparse` holds them.
    public var weights: [Int8]
    /// The nonzero synapses axon by axon, for layers whose rows are mostly zero (convolution
    /// and pooling: a conv input reaches at most K^2 positions per kernel).
    public var sparse: SparseSynapses?
    public var thresholds: [Int64]
    /// L_i, 0 for a layer without lateral inhibition.
    public var laterals: [Int64]

    public init(rule: NeuronRule, axonCount: Int, neuronCount: Int, weights: [Int8], thresholds: [Int64], laterals: [Int64]) {
        precondition(weights.count == axonCount * neuronCount && thresholds.count == neuronCount && laterals.count == neuronCount)
        self.rule = rule
        self.axonCount = axonCount
        self.neuronCount = neuronCount
        self.weights = weights
        self.thresholds = thresholds
        self.laterals = laterals
        self.sparse = nil
    }

    public init(rule: NeuronRule, neuronCount: Int, sparse: SparseSynapses, thresholds: [Int64], laterals: [Int64]) {
        precondition(thresholds.count == neuronCount && laterals.count == neuronCount)
        self.rule = rule
        self.axonCount = sparse.axonCount
        self.neuronCount = neuronCount
        self.weights = []
        self.thresholds = thresholds
        self.laterals = laterals
        self.sparse = sparse
    }

    public struct Result: Sendable, Equatable {
        /// Ascending indices of the neurons that fired, per step.
        public var spikes: [[Int32]]
        public var saturations: Int
        public var spikeCounts: [Int32]
    }

    /// Runs `input.count` steps; `input[t]` lists the axons that spiked at step t.
    public func run(input: [[Int32]]) -> Result {
        let steps = input.count
        var states = [NeuronState](repeating: NeuronState(), count: neuronCount)
        var sums = [Int32](repeating: 0, count: neuronCount)
        var spikes = [[Int32]](repeating: [], count: steps)
        var counts = [Int32](repeating: 0, count: neuronCount)
        var saturations = 0
        var atTest: Int64 = 0
        let hasLateral = laterals.contains { $0 != 0 }
        weights.withUnsafeBufferPointer { q in
            sums.withUnsafeMutableBufferPointer { sum in
                for t in 0..<steps {
                    for i in 0..<neuronCount { sum[i] = 0 }
                    if t > 0, let sparse {
                        for axon in input[t - 1] {
                            for s in Int(sparse.rowStarts[Int(axon)])..<Int(sparse.rowStarts[Int(axon) + 1]) {
                                sum[Int(sparse.neurons[s])] &+= Int32(sparse.values[s])
                            }
                        }
                    } else if t > 0 {
                        for axon in input[t - 1] {
                            let row = q.baseAddress! + Int(axon) * neuronCount
                            for i in 0..<neuronCount { sum[i] &+= Int32(row[i]) }
                        }
                    }
                    let previous = t > 0 ? spikes[t - 1] : []
                    var firedPrevious = Set<Int32>()
                    if hasLateral { firedPrevious = Set(previous) }
                    for i in 0..<neuronCount {
                        let others = hasLateral ? previous.count - (firedPrevious.contains(Int32(i)) ? 1 : 0) : 0
                        let fired = FixedPointNeuron.step(
                            &states[i], rule: rule, threshold: thresholds[i], lateral: laterals[i], t: t,
                            synapticSum: Int64(sum[i]), lateralCount: others, saturations: &saturations, membraneAtTest: &atTest)
                        if fired {
                            spikes[t].append(Int32(i))
                            counts[i] += 1
                        }
                    }
                }
            }
        }
        return Result(spikes: spikes, saturations: saturations, spikeCounts: counts)
    }
}

/// Synapses stored row by row (compressed sparse rows): axon a reaches `neurons[s]` with weight
/// `values[s]` for s in `rowStarts[a] ..< rowStarts[a + 1]`.
public struct SparseSynapses: Sendable, Equatable {
    public var rowStarts: [Int32]
    public var neurons: [Int32]
    public var values: [Int8]

    public init(rowStarts: [Int32], neurons: [Int32], values: [Int8]) {
        precondition(rowStarts.first == 0 && Int(rowStarts.last ?? -1) == neurons.count && neurons.count == values.count)
        self.rowStarts = rowStarts
        self.neurons = neurons
        self.values = values
    }

    public var axonCount: Int { rowStarts.count - 1 }
}
