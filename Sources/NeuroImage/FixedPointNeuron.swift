/// The integer neuron update of docs/fixed-point.md, written for clarity rather than speed:
/// the emulator and the firmware must match it bit for bit, and the compiler calibrates with it.

/// A leak `x -= x / tau` in integers (docs/fixed-point.md section 2).
public enum Decay: Sendable, Equatable, Hashable {
    /// x -= rshift(x, k): tau = 2^k.
    case shift(Int)
    /// x -= rmul(x, m): tau ~ 65536 / m.
    case multiplier(Int)

    /// The decay that represents `tau` exactly when tau is a power of two (a shift), otherwise nil.
    public static func exactShift(tau: Float) -> Decay? {
        guard tau >= 1, tau <= Float(1 << 30) else { return nil }
        let k = Int(tau.rounded()).trailingZeroBitCount
        return Float(1 << k) == tau ? .shift(k) : nil
    }

    /// The multiplier form m = round(65536 / tau).
    public static func multiplier(tau: Float) -> Decay {
        .multiplier(Int((65_536 / Double(tau)).rounded()))
    }

    /// The tau this decay stands for.
    public var tau: Double {
        switch self {
        case .shift(let k): return Double(1 << k)
        case .multiplier(let m): return m == 0 ? .infinity : 65_536 / Double(m)
        }
    }

    @inline(__always)
    public func apply(_ x: Int64) -> Int64 {
        switch self {
        case .shift(let k): return x - FixedPoint.roundingShift(x, k)
        case .multiplier(let m): return x - FixedPoint.roundingMultiply(x, m)
        }
    }
}

public enum FixedPoint {
    /// rshift(x, k) = (x + 2^(k-1)) >> k for k >= 1 (round half up), x for k = 0.
    @inline(__always)
    public static func roundingShift(_ x: Int64, _ k: Int) -> Int64 {
        k == 0 ? x : (x + (1 << (k - 1))) >> k
    }

    /// rmul(x, m) = (x * m + 2^15) >> 16.
    @inline(__always)
    public static func roundingMultiply(_ x: Int64, _ m: Int) -> Int64 {
        (x * Int64(m) + (1 << 15)) >> 16
    }

    /// The range of a signed `bits`-wide state.
    @inline(__always)
    public static func stateRange(bits: Int) -> ClosedRange<Int64> {
        -(Int64(1) << (bits - 1))...((Int64(1) << (bits - 1)) - 1)
    }
}

/// What one neuron needs besides its synapses (docs/fixed-point.md section 1).
public struct NeuronRule: Sendable, Equatable {
    public var stateBits: Int
    public var weightShift: Int
    public var currentDecay: Decay
    public var membraneDecay: Decay
    public var refractorySteps: Int

    public init(stateBits: Int, weightShift: Int, currentDecay: Decay, membraneDecay: Decay, refractorySteps: Int) {
        self.stateBits = stateBits
        self.weightShift = weightShift
        self.currentDecay = currentDecay
        self.membraneDecay = membraneDecay
        self.refractorySteps = refractorySteps
    }
}

/// The state of one neuron: current c, membrane u (tauS times v), refractory steps left.
public struct NeuronState: Sendable, Equatable {
    public var current: Int64 = 0
    public var membrane: Int64 = 0
    public var refractoryLeft: Int = 0

    public init(current: Int64 = 0, membrane: Int64 = 0, refractoryLeft: Int = 0) {
        self.current = current
        self.membrane = membrane
        self.refractoryLeft = refractoryLeft
    }
}

public enum FixedPointNeuron {
    /// One step of one neuron (docs/fixed-point.md section 3).
    /// - Parameters:
    ///   - synapticSum: the sum of q_ij over the axons j that spiked at t-1 (not yet shifted).
    ///   - lateralCount: neurons of the same layer, other than this one, that spiked at t-1.
    ///   - saturations: incremented once per clamp that changed a value.
    /// - Returns: whether the neuron spikes at t. `state.membrane` afterwards is u after the
    ///   reset; `membraneAtTest` receives u at the threshold test.
    @inline(__always)
    public static func step(
        _ state: inout NeuronState, rule: NeuronRule, threshold: Int64, lateral: Int64, t: Int,
        synapticSum: Int64, lateralCount: Int, saturations: inout Int, membraneAtTest: inout Int64
    ) -> Bool {
        state.current = rule.currentDecay.apply(state.current)
        state.membrane = rule.membraneDecay.apply(state.membrane)
        guard t > 0 else {
            membraneAtTest = state.membrane
            return false
        }
        let range = FixedPoint.stateRange(bits: rule.stateBits)
        let drive = (synapticSum << rule.weightShift) + Int64(lateralCount) * lateral
        state.current = saturate(state.current + drive, range, &saturations)
        state.membrane = saturate(state.membrane + state.current, range, &saturations)
        if state.refractoryLeft > 0 {
            state.membrane = 0
            state.refractoryLeft -= 1
        }
        membraneAtTest = state.membrane
        guard state.membrane > threshold else { return false }
        state.refractoryLeft = rule.refractorySteps
        state.membrane = 0
        return true
    }

    @inline(__always)
    static func saturate(_ x: Int64, _ range: ClosedRange<Int64>, _ saturations: inout Int) -> Int64 {
        if x > range.upperBound { saturations += 1; return range.upperBound }
        if x < range.lowerBound { saturations += 1; return range.lowerBound }
        return x
    }
}
