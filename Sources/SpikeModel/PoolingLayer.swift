/// A spiking average-pooling layer (algorithm section 4.5): each output neuron is an LIF
/// neuron that receives its `size` x `size` window (stride `size`) of the same channel with the
/// fixed weight 1, so its input at step t is the number of window spikes at t - 1. No trainable
/// weights. The input map's sides must be multiples of `size`.
public struct PoolingLayer: Sendable, Equatable {
    public let input: FeatureMapShape
    public let size: Int
    public var threshold: Float

    public init(input: FeatureMapShape, size: Int, threshold: Float) {
        precondition(size >= 1 && input.height % size == 0 && input.width % size == 0, "pool size must divide the input map")
        self.input = input
        self.size = size
        self.threshold = threshold
    }

    public var output: FeatureMapShape {
        FeatureMapShape(channels: input.channels, height: input.height / size, width: input.width / size)
    }

    /// Like the fully connected layers: VTH - 1e-6 in double, rounded to float32.
    public var spikeThreshold: Float { Float(Double(threshold) - 1e-6) }
}

/// A layer of the spatial front of a network (before the fully connected layers).
public enum SpatialLayer: Sendable, Equatable {
    case convolution(ConvolutionLayer)
    case pooling(PoolingLayer)

    public var input: FeatureMapShape {
        switch self {
        case .convolution(let layer): return layer.input
        case .pooling(let layer): return layer.input
        }
    }

    public var output: FeatureMapShape {
        switch self {
        case .convolution(let layer): return layer.output
        case .pooling(let layer): return layer.output
        }
    }

    public var threshold: Float {
        switch self {
        case .convolution(let layer): return layer.threshold
        case .pooling(let layer): return layer.threshold
        }
    }

    /// The value the layer's neurons must exceed to fire (conv: VTH itself; pooling: VTH - 1e-6).
    public var spikeThreshold: Float {
        switch self {
        case .convolution(let layer): return layer.spikeThreshold
        case .pooling(let layer): return layer.spikeThreshold
        }
    }

    /// Trainable weights (none for pooling).
    public var weightCount: Int {
        if case .convolution(let layer) = self { return layer.weights.count }
        return 0
    }

    /// "15C5" or "P2" (the architecture text of this layer).
    public var token: String {
        switch self {
        case .convolution(let layer): return "\(layer.kernelCount)C\(layer.kernelSize)"
        case .pooling(let layer): return "P\(layer.size)"
        }
    }
}
