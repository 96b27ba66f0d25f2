import Foundation

/// How a NIR time constant (seconds, continuous time) becomes an hm2bp tau (steps): the per-step
/// decay of hm2bp's neuron is `1 - 1/tau`.
public enum Discretization: String, CaseIterable, Sendable, Codable {
    /// Forward Euler at dt: decay `1 - dt/tau`, so `tau_steps = tau / dt`. How snnTorch and
    /// Norse step their neurons (and how snnTorch writes its decay into a NIR tau).
    case euler
    /// Exact integration of the leak over one step with the input held: decay `exp(-dt/tau)`, so
    /// `tau_steps = 1 / (1 - exp(-dt/tau))`. Reproduces NIR's LIF equation at the sample times.
    case exact

    /// The hm2bp tau, in steps, of a NIR time constant `tau` seconds at step `dt` seconds.
    public func steps(tau: Double, dt: Double) -> Double {
        switch self {
        case .euler: return tau / dt
        case .exact: return 1 / (1 - exp(-dt / tau))
        }
    }
}

/// A power-of-two tau for a shift-only core (docs/fixed-point.md: a shift decay k subtracts
/// x / 2^k per step), and how far it is from the tau it replaces.
public struct PowerOfTwoTau: Codable, Sendable, Equatable {
    /// The tau asked for, in steps.
    public let exact: Double
    /// The shift k; the rounded tau is 2^k.
    public let shift: Int
    public let rounded: Double
    /// Per-step decay factors 1 - 1/tau, exact and rounded.
    public let decay: Double
    public let roundedDecay: Double
    /// (rounded - exact) / exact, the error of the time constant.
    public let relativeTauError: Double
    /// roundedDecay - decay, the error of the per-step decay factor.
    public let decayError: Double

    /// The power of two whose per-step decay is nearest to that of `tau` (k in 0 ... 30, the
    /// shifts a core can apply).
    public init(nearest tau: Double) {
        exact = tau
        shift = (0...30).min { abs(1 / Double(1 << $0) - 1 / tau) < abs(1 / Double(1 << $1) - 1 / tau) } ?? 0
        rounded = Double(1 << shift)
        decay = 1 - 1 / tau
        roundedDecay = 1 - 1 / rounded
        relativeTauError = (rounded - tau) / tau
        decayError = roundedDecay - decay
    }

    public static func isPowerOfTwo(_ tau: Float) -> Bool {
        tau >= 1 && tau <= Float(1 << 30) && tau == tau.rounded() && Int(tau).nonzeroBitCount == 1
    }
}
