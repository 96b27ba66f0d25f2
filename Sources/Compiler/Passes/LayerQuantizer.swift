import Foundation
import HardwareTargets
import NeuroImage
import SpikeModel

/// Quantizes one layer: builds the integer layer for a clip fraction and weight shift, and
/// searches both for the smallest calibration count error.
struct LayerQuantizer {
    var layer: LoweredLayer
    var index: Int
    var constants: NeuronConstants
    var target: HardwareTarget
    var weightBits: Int
    var scaling: WeightScaling
    var currentDecay: Decay
    var membraneDecay: Decay
    /// The core (0 ..< cores of this layer) of every model neuron: the router budgets are per core.
    var coreOfNeuron: [Int32]

    var qmax: Int { (1 << (weightBits - 1)) - 1 }
    var stateMax: Int64 { FixedPoint.stateRange(bits: target.core.stateBits).upperBound }
    var thresholdMax: Int64 { min((Int64(1) << target.core.thresholdBits) - 1, stateMax) }

    /// A neuron's step may be at most this much finer than the layer's coarsest: neurons whose
    /// weights are all tiny (trained models have many) would otherwise force thresholds so large
    /// that the weight shift, and with it every neuron's precision, must drop.
    static let finestStepRatio = 16.0

    var thresholdLimit: Int64 { min(thresholdMax, stateMax >> 2) }

    /// Delta_i before any floor: clip * max_j |w_ij| maps to qmax (per channel or per layer).
    func rawSteps(clip: Double) -> [Double] {
        var maxAbs = layer.maxAbsPerNeuron()
        if scaling == .perLayer { maxAbs = Array(repeating: maxAbs.max() ?? 0, count: maxAbs.count) }
        return maxAbs.map { clip * Double($0) / Double(qmax) }
    }

    /// The smallest step whose threshold and lateral weight fit at `shift`, with two bits of
    /// state headroom above the threshold (u overshoots it by at most one step's current).
    func fittingStep(shift: Int) -> Double {
        let scale = Double(1 << shift)
        return max(Double(layer.threshold) * Double(constants.tauS) * scale / Double(thresholdLimit),
                   Double(layer.lateralInhibition) * scale / Double(stateMax >> 2))
    }

    /// The steps and weight shift for a clip fraction: the largest shift at which every
    /// neuron not weaker than 1/16 of the layer's strongest keeps its own step; weaker ones
    /// (and any that still would not fit) get the floor. `shift` forces a smaller shift.
    func scales(clip: Double, shift forced: Int? = nil) -> (steps: [Float], shift: Int, coarsened: Int) {
        let raw = rawSteps(clip: clip)
        let layerFloor = (raw.max() ?? 0) / Self.finestStepRatio
        let smallest = max(raw.min() ?? 0, layerFloor)
        let shift = forced ?? (0...target.core.maxWeightShift).reversed().first { fittingStep(shift: $0) <= smallest } ?? 0
        let floor = max(layerFloor, fittingStep(shift: shift))
        // A step must stay a positive Float: a floor that rounds to 0 in Float (a threshold near
        // 2^-20 with all-zero weights) would make every quantity divided by it infinite.
        return (raw.map { max(Float(max($0, floor)), Float.leastNormalMagnitude) }, shift, raw.filter { $0 < floor }.count)
    }

    func threshold(step: Float, shift: Int) -> Int64 {
        Self.saturatingInt64(Double(layer.threshold) * Double(constants.tauS) * Double(1 << shift) / Double(step))
    }

    func lateral(step: Float, shift: Int) -> Int64 {
        Self.saturatingInt64(-Double(layer.lateralInhibition) * Double(1 << shift) / Double(step))
    }

    /// Rounds to Int64, saturating instead of trapping: the callers clamp to the register widths
    /// anyway, and a step that underflowed in Float (tiny thresholds, all-zero weights) must give
    /// a clamped register, not an infinity converted to an integer. NaN cannot arise from the
    /// model format's ranges (steps are > 0); it maps to 0.
    static func saturatingInt64(_ value: Double) -> Int64 {
        if value.isNaN { return 0 }
        if value >= 9.2e18 { return Int64.max }
        if value <= -9.2e18 { return Int64.min }
        return Int64(value.rounded())
    }

    func build(steps: [Float], shift: Int) -> (layer: FixedPointLayer, stored: [Int8], clipped: Int, squaredError: Double, maxError: Double) {
        let (weights, neuronOf) = layer.storedWeights
        var q = [Int8](repeating: 0, count: weights.count)
        var clipped = 0, squaredError = 0.0, maxError = 0.0
        for (k, w) in weights.enumerated() {
            let step = steps[neuronOf(k)]
            let exact = (Double(w) / Double(step)).rounded()
            if abs(exact) > Double(qmax) { clipped += 1 }
            let value = Int(max(-Double(qmax), min(Double(qmax), exact)))
            q[k] = Int8(value)
            let error = Double(w) - Double(value) * Double(step)
            squaredError += error * error
            maxError = max(maxError, abs(error))
        }
        let rule = NeuronRule(stateBits: target.core.stateBits, weightShift: shift, currentDecay: currentDecay, membraneDecay: membraneDecay,
                              refractorySteps: constants.refractorySteps)
        let thresholds = steps.map { min(max(threshold(step: $0, shift: shift), 0), thresholdMax) }
        let range = FixedPoint.stateRange(bits: target.core.stateBits)
        let laterals = steps.map { min(max(lateral(step: $0, shift: shift), range.lowerBound), range.upperBound) }
        return (layer.fixedPointLayer(q: q, rule: rule, thresholds: thresholds, laterals: laterals), q, clipped, squaredError, maxError)
    }

    func choose(clipFractions: [Double], samples: [Calibration.Sample]) -> QuantizedLayer {
        struct Candidate { var clip: Double; var shift: Int; var outcome: Calibration.Outcome }
        var best: Candidate?
        var maxAbsOutcome: Calibration.Outcome?
        // Pooling weights are all the same fixed 1: clipping would only shrink them.
        let pooling: Bool
        if case .pooling = layer.synapses { pooling = true } else { pooling = false }
        for clip in samples.isEmpty || pooling ? [1.0] : clipFractions {
            let scaled = scales(clip: clip)
            let outcome = Calibration.evaluate(build(steps: scaled.steps, shift: scaled.shift).layer, on: samples, coreOfNeuron: coreOfNeuron)
            if clip == 1.0 { maxAbsOutcome = outcome }
            if best == nil || outcome.countError < best!.outcome.countError { best = Candidate(clip: clip, shift: scaled.shift, outcome: outcome) }
        }
        // Saturation loses spikes: trade fractional bits for headroom while that helps.
        var chosen = best!
        while !samples.isEmpty, chosen.outcome.saturations > 0, chosen.shift > 0 {
            let scaled = scales(clip: chosen.clip, shift: chosen.shift - 1)
            let outcome = Calibration.evaluate(build(steps: scaled.steps, shift: scaled.shift).layer, on: samples, coreOfNeuron: coreOfNeuron)
            guard outcome.countError <= chosen.outcome.countError else { break }
            chosen = Candidate(clip: chosen.clip, shift: chosen.shift - 1, outcome: outcome)
        }
        let (steps, _, coarsened) = scales(clip: chosen.clip, shift: chosen.shift)
        let built = build(steps: steps, shift: chosen.shift)
        let stored = layer.storedWeights.values
        let sumSquares = stored.reduce(0.0) { $0 + Double($1) * Double($1) }
        let sampleCount = Double(max(samples.count, 1))
        let report = LayerQuantizationReport(
            layer: index, scaling: scaling, weightBits: weightBits, weightShift: chosen.shift, clipFraction: chosen.clip,
            coarsenedNeurons: coarsened,
            weightRelativeRMSError: sumSquares > 0 ? (built.squaredError / sumSquares).squareRoot() : 0, weightMaxAbsError: built.maxError,
            clippedFraction: Double(built.clipped) / Double(max(stored.count, 1)),
            thresholdMin: built.layer.thresholds.min() ?? 0, thresholdMax: built.layer.thresholds.max() ?? 0,
            lateral: layer.lateralInhibition != 0 ? built.layer.laterals.first : nil,
            currentDecay: currentDecay.summary, membraneDecay: membraneDecay.summary, calibrationSamples: samples.count,
            saturationEvents: chosen.outcome.saturations,
            countError: samples.isEmpty ? nil : chosen.outcome.countError, maxAbsCountError: samples.isEmpty ? nil : maxAbsOutcome?.countError,
            floatSpikesPerSample: samples.isEmpty ? nil : Double(chosen.outcome.floatSpikes) / sampleCount,
            fixedSpikesPerSample: samples.isEmpty ? nil : Double(chosen.outcome.fixedSpikes) / sampleCount,
            peakSpikesPerStepPerCore: samples.isEmpty ? nil : chosen.outcome.peakSpikesPerStep)
        return QuantizedLayer(weights: built.stored, rule: built.layer.rule, thresholdBits: target.core.thresholdBits, weightBits: weightBits,
                              thresholds: built.layer.thresholds, laterals: built.layer.laterals, weightSteps: steps, report: report)
    }
}
