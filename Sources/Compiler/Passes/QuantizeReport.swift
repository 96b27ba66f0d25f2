import Foundation
import NeuroImage

/// How weights get their per-neuron step Delta_i (docs/fixed-point.md section 1).
public enum WeightScaling: String, Codable, Sendable, CaseIterable {
    /// One step per neuron (per output channel): each neuron uses its full weight range.
    case perChannel = "per-channel"
    /// One step for the whole layer.
    case perLayer = "per-layer"
}

/// What quantization did to one layer, measured on the calibration inputs.
public struct LayerQuantizationReport: Codable, Sendable, Equatable {
    public var layer: Int
    public var scaling: WeightScaling
    public var weightBits: Int
    public var weightShift: Int
    /// Clip point as a fraction of the largest |w| of each scale group (1 = max-abs).
    public var clipFraction: Double
    /// Neurons whose step was raised above their own max-abs step (weights far weaker than the
    /// layer's strongest, or a threshold that would not fit the register otherwise).
    public var coarsenedNeurons: Int
    /// sqrt(sum (w - q Delta)^2 / sum w^2).
    public var weightRelativeRMSError: Double
    public var weightMaxAbsError: Double
    /// Fraction of weights beyond the clip point (stored as +-qmax).
    public var clippedFraction: Double
    public var thresholdMin: Int64
    public var thresholdMax: Int64
    public var lateral: Int64?
    public var currentDecay: String
    public var membraneDecay: String
    public var calibrationSamples: Int
    /// Saturation events of c and u over all calibration samples at the chosen scales.
    public var saturationEvents: Int
    /// Mean |fixed - float| spike count per neuron and sample at the chosen scales, and with
    /// plain max-abs scaling for comparison (nil without calibration).
    public var countError: Double?
    public var maxAbsCountError: Double?
    /// Spikes per sample of the whole layer, float and fixed, on the calibration inputs.
    public var floatSpikesPerSample: Double?
    public var fixedSpikesPerSample: Double?
    /// Most spikes one core of this layer emitted in a single calibration step, per core (the
    /// load on its router; compared with `router.spikesPerStep`).
    public var peakSpikesPerStepPerCore: [Int]?
}

/// A layer in integers, ready to be cut into cores.
public struct QuantizedLayer: Sendable {
    /// q_ij, pre-major like `DenseLayer.weights` (weights[j * neuronCount + i]); for a
    /// convolution or pooling layer its kernels, one per output channel (image `SYNS` form 1).
    /// Thresholds, laterals and steps are in the model's neuron order.
    public var weights: [Int8]
    public var rule: NeuronRule
    public var thresholdBits: Int
    public var weightBits: Int
    public var thresholds: [Int64]
    public var laterals: [Int64]
    public var weightSteps: [Float]
    public var report: LayerQuantizationReport
}

extension Decay {
    var summary: String {
        switch self {
        case .shift(let k): return "shift \(k) (tau \(1 << k))"
        case .multiplier(let m): return "multiplier \(m)/65536 (tau \(String(format: "%.2f", tau)))"
        }
    }
}
