import Foundation
import HardwareTargets
import NeuroImage
import SpikeModel

/// The network and the spikes to calibrate on.
public struct QuantizeInput: Sendable {
    public var network: Network
    /// Input rasters (a subset of training data); empty: plain max-abs scales, no calibration.
    public var calibration: [SpikeRaster]
    /// For each layer (spatial front first), the core of every model neuron among the layer's
    /// cores (from Place); nil: one core per layer.
    public var coreOfNeuron: [[Int32]]?

    public init(network: Network, calibration: [SpikeRaster], coreOfNeuron: [[Int32]]? = nil) {
        self.network = network
        self.calibration = calibration
        self.coreOfNeuron = coreOfNeuron
    }
}

/// Lowers every layer to the integer rule of docs/fixed-point.md. Per layer it tries clip
/// points (fractions of the largest |w| per scale group) and weight shifts, runs the integer
/// layer (`FixedPointLayer`, the contract's reference) and the float layer on the same
/// calibration spikes, and keeps the choice whose spike counts are closest to the float ones:
/// HM2-BP is trained on counts, so counts are what quantization must preserve.
public struct QuantizePass: CompilerPass {
    public static let name = "quantize"
    public var target: HardwareTarget
    public var weightBits: Int
    public var scaling: WeightScaling
    /// Clip fractions tried; 1 is max-abs.
    public var clipFractions: [Double] = [1.0, 0.9, 0.8, 0.7, 0.6, 0.5]

    public init(target: HardwareTarget, weightBits: Int, scaling: WeightScaling) {
        self.target = target
        self.weightBits = weightBits
        self.scaling = scaling
    }

    public func run(_ input: QuantizeInput, diagnostics: inout Diagnostics) throws -> [QuantizedLayer] {
        let network = input.network
        let (currentDecay, membraneDecay) = checkRepresentable(network, diagnostics: &diagnostics)
        // Float spikes of every layer on the calibration inputs: layer l calibrates on the float
        // spikes of layer l-1, so each layer's error is measured on its own.
        let floatOutputs = input.calibration.map { FloatSimulator.run(network, input: $0) }
        var result: [QuantizedLayer] = []
        for (l, layer) in LoweredLayer.layers(of: network).enumerated() {
            let samples = input.calibration.indices.map { s in
                Calibration.Sample(input: Calibration.steps(l == 0 ? input.calibration[s] : floatOutputs[s][l - 1], count: network.constants.timeSteps),
                                   floatCounts: floatOutputs[s][l].counts())
            }
            let quantizer = LayerQuantizer(layer: layer, index: l, constants: network.constants, target: target, weightBits: weightBits,
                                           scaling: scaling, currentDecay: currentDecay, membraneDecay: membraneDecay,
                                           coreOfNeuron: input.coreOfNeuron?[l] ?? [])
            result.append(quantizer.choose(clipFractions: clipFractions, samples: samples))
        }
        return result
    }

    /// Every quantized weight, threshold and lateral weight fits its declared width, and every
    /// weight is within half a step of its float value unless it was clipped to +-qmax.
    public func check(_ input: QuantizeInput, _ output: [QuantizedLayer]) -> [String] {
        var problems: [String] = []
        for (l, (layer, q)) in zip(LoweredLayer.layers(of: input.network), output).enumerated() {
            let qmax = (1 << (q.weightBits - 1)) - 1
            let stateRange = FixedPoint.stateRange(bits: q.rule.stateBits)
            if q.thresholds.contains(where: { $0 < 0 || $0 > min((Int64(1) << q.thresholdBits) - 1, stateRange.upperBound) }) {
                problems.append("layer \(l): a threshold exceeds \(q.thresholdBits) bits")
            }
            if q.laterals.contains(where: { !stateRange.contains($0) }) { problems.append("layer \(l): a lateral weight exceeds the state") }
            let (weights, neuronOf) = layer.storedWeights
            guard q.weights.count == weights.count else { problems.append("layer \(l): \(q.weights.count) weights for \(weights.count)"); continue }
            for (k, w) in weights.enumerated() {
                let value = Int(q.weights[k])
                let exact = Double(w) / Double(q.weightSteps[neuronOf(k)])
                if abs(value) > qmax || (abs(value) < qmax && abs(exact - Double(value)) > 0.5 + 1e-6) {
                    problems.append("layer \(l) stored weight \(k): \(value) does not round \(exact)")
                }
            }
        }
        return problems
    }

    /// Reports every constant the target cannot represent, whatever the weights; returns the decays.
    func checkRepresentable(_ network: Network, diagnostics: inout Diagnostics) -> (current: Decay, membrane: Decay) {
        let core = target.core
        if network.constants.refractorySteps > core.refractoryMax {
            diagnostics.report(Diagnostic(resource: "refractory steps", need: network.constants.refractorySteps, limit: core.refractoryMax, fixes: []))
        }
        if network.constants.timeSteps > core.maxTimeSteps {
            diagnostics.report(Diagnostic(resource: "time steps", need: network.constants.timeSteps, limit: core.maxTimeSteps,
                                          fixes: ["retrain with at most \(core.maxTimeSteps) time steps (hm2bp train --time-steps \(core.maxTimeSteps); T is fixed at training)"]))
        }
        if weightBits > core.weightBits {
            diagnostics.report(Diagnostic(resource: "weight bits", need: weightBits, limit: core.weightBits, fixes: ["use --weight-bits \(core.weightBits)"]))
        }
        if !core.weightSigned {
            for (l, layer) in LoweredLayer.layers(of: network).enumerated() {
                let negative = layer.storedWeights.values.filter { $0 < 0 }.count
                if negative > 0 {
                    diagnostics.report(Diagnostic(layer: l, resource: "negative weights (the target's synapses are unsigned)",
                                                  need: negative, limit: 0, fixes: []))
                }
            }
        }
        return (decay(tau: network.constants.tauS, name: "tauS", diagnostics: &diagnostics),
                decay(tau: network.constants.tauM, name: "tauM", diagnostics: &diagnostics))
    }

    /// A shift when tau is a power of two and the cores shift, else a multiplier if they have one.
    private func decay(tau: Float, name: String, diagnostics: inout Diagnostics) -> Decay {
        if target.core.decay.contains(.shift), let exact = Decay.exactShift(tau: tau) { return exact }
        if target.core.decay.contains(.multiplier) { return Decay.multiplier(tau: tau) }
        diagnostics.report(Diagnostic(resource: "\(name) = \(tau) as a shift decay (the cores only shift: tau must be a power of two)",
                                      need: Int(tau.rounded()), limit: 1 << Int(log2(Double(max(tau, 1)))),
                                      fixes: ["train with \(name) a power of two", "use a target with multiplier decays"]))
        return Decay.multiplier(tau: tau)
    }
}
