/// A spiking convolution layer (algorithm section 4.5): `kernelCount` output maps, each an
/// LIF neuron per position, fed by one shared `kernelSize` x `kernelSize` x C_in kernel.
/// Valid convolution, stride 1, no padding, no bias.
///
/// Output neuron (a, x, y) receives input neuron (c, x + p, y + q) through
/// `weights[((a * C_in + c) * K + p) * K + q]` (ordered kernel, channel, row, column, as the
/// reference's weight files).
public struct ConvolutionLayer: Sendable, Equatable {
    public let input: FeatureMapShape
    public let kernelCount: Int
    public let kernelSize: Int
    /// The firing threshold ν (VTH).
    public var threshold: Float
    public var weights: [Float]

    public init(input: FeatureMapShape, kernelCount: Int, kernelSize: Int, threshold: Float, weights: [Float]) {
        precondition(kernelSize >= 1 && kernelSize <= input.height && kernelSize <= input.width, "kernel larger than its input map")
        precondition(weights.count == kernelCount * input.channels * kernelSize * kernelSize,
                     "weights must hold kernelCount * channels * kernelSize^2 values")
        self.input = input
        self.kernelCount = kernelCount
        self.kernelSize = kernelSize
        self.threshold = threshold
        self.weights = weights
    }

    public var output: FeatureMapShape {
        FeatureMapShape(channels: kernelCount, height: input.height - kernelSize + 1, width: input.width - kernelSize + 1)
    }

    /// Weights per kernel: C_in * K * K.
    public var kernelVolume: Int { input.channels * kernelSize * kernelSize }

    @inline(__always)
    public func weight(kernel a: Int, channel c: Int, row p: Int, column q: Int) -> Float {
        weights[((a * input.channels + c) * kernelSize + p) * kernelSize + q]
    }

    /// The reference's conv layers compare against VTH exactly, without the 1e-6 of the fully
    /// connected and pooling layers (algorithm section 1.1).
    public var spikeThreshold: Float { threshold }
}
