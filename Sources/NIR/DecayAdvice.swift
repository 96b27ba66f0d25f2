import HardwareTargets
import SpikeModel

/// Whether a target's cores can hold a model's taus, and if not, what power-of-two rounding
/// would cost and which targets hold them as they are.
public enum DecayAdvice {
    /// The taus a shift-only core cannot hold (name and value), none when the target has
    /// multiplier decays or the taus are powers of two.
    public static func unrepresentable(_ constants: NeuronConstants, on target: HardwareTarget) -> [(name: String, tau: Float)] {
        guard !target.core.decay.contains(.multiplier) else { return [] }
        return [("tauM", constants.tauM), ("tauS", constants.tauS)].filter { !PowerOfTwoTau.isPowerOfTwo($0.1) }
    }

    /// A refusal naming every layer, the rounding error a power-of-two import would have, and the
    /// targets (from `candidates`) whose cores hold the taus as they are.
    public static func refusal(_ constants: NeuronConstants, layers: [NIRLayerMapping], target: HardwareTarget,
                               candidates: [HardwareTarget]) -> String? {
        let bad = unrepresentable(constants, on: target)
        guard !bad.isEmpty else { return nil }
        let holders = candidates.filter { $0.core.decay.contains(.multiplier) }.map(\.name)
        var lines = ["\(target.name) cores only shift (power-of-two taus); this model's \(bad.map { "\($0.name) \($0.tau)" }.joined(separator: " and ")) steps are not powers of two."]
        lines.append("Rounded to the nearest power of two (--power-of-two-taus), per layer:")
        for layer in layers {
            lines.append("  \(layer.node): " + bad.map { describe(PowerOfTwoTau(nearest: Double($0.tau)), name: $0.name) }.joined(separator: "; "))
        }
        // A multiplier core decays by m = round(65536 / tau), i.e. an effective tau of 65536 / m.
        let effective = bad.map { "\($0.name) \($0.tau) -> \(describeTau(65536 / (65536 / Double($0.tau)).rounded()))" }
        lines.append(holders.isEmpty ? "No known target has multiplier decays."
                     : "Targets with multiplier decays hold them to 1/65536 per step (\(effective.joined(separator: ", ")) steps): \(holders.joined(separator: ", ")).")
        return lines.joined(separator: "\n")
    }

    /// "tauM 25 -> 32 steps (tau +28.0 %, decay/step 0.96000 -> 0.96875)"
    public static func describe(_ rounding: PowerOfTwoTau, name: String) -> String {
        func fixed(_ x: Double, _ digits: Int) -> String {
            let scale = pow10(digits)
            return String(Double((x * scale).rounded()) / scale)
        }
        return "\(name) \(fixed(rounding.exact, 4)) -> \(Int(rounding.rounded)) steps (tau \(rounding.relativeTauError >= 0 ? "+" : "")\(fixed(rounding.relativeTauError * 100, 2)) %, decay/step \(fixed(rounding.decay, 6)) -> \(fixed(rounding.roundedDecay, 6)))"
    }

    private static func describeTau(_ tau: Double) -> String { String(Double((tau * 10000).rounded()) / 10000) }

    private static func pow10(_ n: Int) -> Double { (0..<n).reduce(1.0) { value, _ in value * 10 } }
}
