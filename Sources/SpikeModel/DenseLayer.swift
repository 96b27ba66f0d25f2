/// A fully connected layer of LIF neurons.
///
/// Weights are stored pre-major (`weights[j * outputCount + i]` is w_ij from input j to neuron
/// i) because every hot loop is event driven: one input spike adds one contiguous row.
public struct DenseLayer: Sendable, Equatable {
    public let inputCount: Int
    public let outputCount: Int
    /// The firing threshold ν (VTH). The spike test compares against `spikeThreshold`.
    public var threshold: Float
    /// Strength w0 of the fixed all-to-all lateral inhibition among this layer's neurons
    /// (each spike at t-1 adds -w0 to every other neuron's current at t); 0 means none.
    public var lateralInhibition: Float
    public var weights: [Float]

    public init(inputCount: Int, outputCount: Int, threshold: Float, lateralInhibition: Float = 0, weights: [Float]) {
        precondition(weights.count == inputCount * outputCount, "weights must hold inputCount * outputCount values")
        self.inputCount = inputCount
        self.outputCount = outputCount
        self.threshold = threshold
        self.lateralInhibition = lateralInhibition
        self.weights = weights
    }

    /// w_ij: from input j to neuron i.
    @inlinable
    public func weight(from input: Int, to neuron: Int) -> Float { weights[input * outputCount + neuron] }

    /// The value the float32 membrane must exceed: VTH - 1e-6 computed in double, then rounded
    /// to float32, exactly as the reference fully connected layers do (algorithm section 11).
    public var spikeThreshold: Float { Float(Double(threshold) - 1e-6) }
}
