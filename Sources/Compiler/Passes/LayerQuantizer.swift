import Foundation
import HardwareTargets
import NeuroImage
import SpikeModel

/// Quantizes one layer: builds the integer layer for a clip fraction and weight shift, and
/// searches both for the smallest calibration count error.
struct LayerQuantizer {
    var layer: DenseLayer
    var index: Int
    var constants: NeuronConstants
    var target: HardwareTarget
    var weightBits: Int
    var scaling: WeightScaling
    var currentDecay: Decay
    var membraneDecay: Decay

    var qmax: Int { (1 << (weightBits - 1)) - 1 }
    var stateMax: Int64 { FixedPoint.stateRange(bits: target.core.stateBits).upperBound }
    var thresholdMax: Int64 { min((Int64(1) << target.core.thresholdBits) - 1, stateMax) }

    /// Delta_i for clip fraction `clip`: the clip point clip * max|w| maps to qmax.
    func weightSteps(clip: Double) -> [Float] {
        let n = layer.outputCount
        var maxAbs = [Float](repeating: 0, count: n)
        for j in 0..<layer.inputCount {
            for i in 0..<n { maxAbs[i] = max(maxAbs[i], abs(layer.weights[j * n + i])) }
        }
        if scaling == .perLayer { maxAbs = Array(repeating: maxAbs.max() ?? 0, count: n) }
        return maxAbs.map { $0 > 0 ? Float(clip * Double($0) / Double(qmax)) : 1 }
    }

    func threshold(step: Float, shift: Int) -> Int64 {
        Int64((Double(layer.threshold) * Double(constants.tauS) * Double(1 << shift) / Double(step)).rounded())
    }

    func lateral(step: Float, shift: Int) -> Int64 {
        Int64((-Double(layer.lateralInhibition) * Double(1 << shift) / Double(step)).rounded())
    }

    /// The largest shift whose thresholds fit the threshold register and leave the state two
    /// bits of headroom above the threshold (u overshoots it by at most one step's current).
    func largestShift(steps: [Float]) -> Int? {
        let smallest = steps.min() ?? 1
        return (0...target.core.maxWeightShift).reversed().first { shift in
            let theta = threshold(step: smallest, shift: shift)
            return theta <= thresholdMax && theta <= stateMax >> 2 && abs(lateral(step: smallest, shift: shift)) <= stateMax >> 2
        }
    }

    func build(steps: [Float], shift: Int) -> (layer: FixedPointLayer, clipped: Int, squaredError: Double, maxError: Double) {
        let n = layer.outputCount
        var q = [Int8](repeating: 0, count: layer.weights.count)
        var clipped = 0, squaredError = 0.0, maxError = 0.0
        for j in 0..<layer.inputCount {
            for i in 0..<n {
                let w = layer.weights[j * n + i]
                let exact = (Double(w) / Double(steps[i])).rounded()
                if abs(exact) > Double(qmax) { clipped += 1 }
                let value = Int(max(-Double(qmax), min(Double(qmax), exact)))
                q[j * n + i] = Int8(value)
                let error = Double(w) - Double(value) * Double(steps[i])
                squaredError += error * error
                maxError = max(maxError, abs(error))
            }
        }
        let rule = NeuronRule(stateBits: target.core.stateBits, weightShift: shift, currentDecay: currentDecay, membraneDecay: membraneDecay,
                              refractorySteps: constants.refractorySteps)
        let thresholds = steps.map { min(max(threshold(step: $0, shift: shift), 0), thresholdMax) }
        let range = FixedPoint.stateRange(bits: target.core.stateBits)
        let laterals = steps.map { min(max(lateral(step: $0, shift: shift), range.lowerBound), range.upperBound) }
        let fixed = FixedPointLayer(rule: rule, axonCount: layer.inputCount, neuronCount: n, weights: q, thresholds: thresholds, laterals: laterals)
        return (fixed, clipped, squaredError, maxError)
    }

    func choose(clipFractions: [Double], samples: [Calibration.Sample], diagnostics: inout Diagnostics) throws -> QuantizedLayer {
        struct Candidate { var clip: Double; var shift: Int; var outcome: Calibration.Outcome }
        func shift(for steps: [Float]) -> Int {
            if let shift = largestShift(steps: steps) { return shift }
            let theta = threshold(step: steps.min() ?? 1, shift: 0)
            diagnostics.report(Diagnostic(layer: index, resource: "threshold bits at weight shift 0", need: 64 - theta.leadingZeroBitCount,
                                          limit: target.core.thresholdBits, fixes: ["use fewer weight bits (--weight-bits \(weightBits - 1))"]))
            return 0
        }
        var best: Candidate?
        var maxAbsOutcome: Calibration.Outcome?
        let tried = samples.isEmpty ? [1.0] : clipFractions
        for clip in tried {
            let steps = weightSteps(clip: clip)
            let candidateShift = shift(for: steps)
            let outcome = Calibration.evaluate(build(steps: steps, shift: candidateShift).layer, on: samples)
            if clip == 1.0 { maxAbsOutcome = outcome }
            if best == nil || outcome.countError < best!.outcome.countError { best = Candidate(clip: clip, shift: candidateShift, outcome: outcome) }
        }
        // Saturation loses spikes: trade fractional bits for headroom while that helps.
        var chosen = best!
        while !samples.isEmpty, chosen.outcome.saturations > 0, chosen.shift > 0 {
            let outcome = Calibration.evaluate(build(steps: weightSteps(clip: chosen.clip), shift: chosen.shift - 1).layer, on: samples)
            guard outcome.countError <= chosen.outcome.countError else { break }
            chosen = Candidate(clip: chosen.clip, shift: chosen.shift - 1, outcome: outcome)
        }
        let steps = weightSteps(clip: chosen.clip)
        let built = build(steps: steps, shift: chosen.shift)
        let sumSquares = layer.weights.reduce(0.0) { $0 + Double($1) * Double($1) }
        let sampleCount = Double(max(samples.count, 1))
        let report = LayerQuantizationReport(
            layer: index, scaling: scaling, weightBits: weightBits, weightShift: chosen.shift, clipFraction: chosen.clip,
            weightRelativeRMSError: sumSquares > 0 ? (built.squaredError / sumSquares).squareRoot() : 0, weightMaxAbsError: built.maxError,
            clippedFraction: Double(built.clipped) / Double(max(layer.weights.count, 1)),
            thresholdMin: built.layer.thresholds.min() ?? 0, thresholdMax: built.layer.thresholds.max() ?? 0,
            lateral: layer.lateralInhibition != 0 ? built.layer.laterals.first : nil,
            currentDecay: currentDecay.summary, membraneDecay: membraneDecay.summary, calibrationSamples: samples.count,
            saturationEvents: chosen.outcome.saturations,
            countError: samples.isEmpty ? nil : chosen.outcome.countError, maxAbsCountError: samples.isEmpty ? nil : maxAbsOutcome?.countError,
            floatSpikesPerSample: samples.isEmpty ? nil : Double(chosen.outcome.floatSpikes) / sampleCount,
            fixedSpikesPerSample: samples.isEmpty ? nil : Double(chosen.outcome.fixedSpikes) / sampleCount)
        return QuantizedLayer(weights: built.layer.weights, rule: built.layer.rule, thresholdBits: target.core.thresholdBits, weightBits: weightBits,
                              thresholds: built.layer.thresholds, laterals: built.layer.laterals, weightSteps: steps, report: report)
    }
}
