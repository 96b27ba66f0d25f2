import CKernels

/// The fast form's exactness rules, for one step and for a whole sample.
///
/// One step (t >= 1) of one core when it provably cannot overflow or saturate: the path of the
/// steps of lockstep runs and of step-by-step core runs (cores with a lateral term, or whose
/// whole-sample run could not be proven exact). The whole step is one C call (CKernels'
/// `hm2bp_fast_step`): 16-bit row accumulation from the packed weights kept in registers, the
/// neuron update on the fast form of the state (see `CoreState`), spikes, counts. The
/// whole-sample run (`hm2bp_core_run`, `Emulator.executeCoreMajor`) is proven by
/// `coreRunIsExact` below.
///
/// Preconditions (checked by `plan`):
/// * the core is `fastEligible` (both decays are shifts) and the step's drive bound D
///   (`NarrowNeuronUpdate.driveBound`) is below 2^30;
/// * with Mc, Mu bounds on |c| and |u| after the last step, `Mu + Mc + D <= 2^(B-1) - 1`: then
///   |c'| <= Mc + D and |u'| <= Mu + Mc + D (a decay never grows |x|, the clamp and reset only
///   shrink u), so neither addition of the contract saturates, and exact 32-bit wrapping
///   arithmetic gives the contract's values;
/// * `Mu + Mc + D + bias <= Int32.max` for both decays' biases: the fast form's c + bias_c and
///   u + bias_u, whose arithmetic shift is the decay, are then exact int32 values before and
///   after the step (x - ((x + b) >> k) = (x + b) - ((x + b) >> k) - b).
///
/// Row sums are 16-bit for steps of at most 255 events (|true sum| <= 255 * 128 < 2^15, and
/// every offset sum <= 255 * 255 < 2^16); larger steps take int32 sums from
/// `CoreKernel.accumulate`.
///
/// The bounds: measuring them costs four instructions per 16 neurons, so a step measures them
/// only when the projection Mc' = Mc + D, Mu' = Mu + Mc' would leave little room for the next
/// step; when the check fails on a projection, they are measured from the state first.
enum FastCoreKernel {
    struct Plan {
        var narrow: Bool
        var track: Bool
        var drive: Int64
    }

    static let maxPackedEvents = 255

    @inline(__always)
    static func limit(_ p: CoreProgram) -> Int64 { min(p.stateHigh, Int64(Int32.max) - max(p.currentBias, p.membraneBias)) }

    /// Whether this step may run here, and how; nil leaves it to `CoreKernel`'s general path.
    @inline(__always)
    static func plan(_ p: CoreProgram, _ s: CoreState) -> Plan? {
        guard p.fastEligible, let drive = NarrowNeuronUpdate.driveBound(p, s) else { return nil }
        let limit = limit(p)
        if s.membraneBound + s.currentBound + drive > limit {
            guard !s.boundsExact, s.form != .canonical else { return nil }
            measureBounds(p, s)
            guard s.membraneBound + s.currentBound + drive <= limit else { return nil }
        }
        let current = s.currentBound + drive, membrane = s.membraneBound + current
        return Plan(narrow: s.inboxCount <= maxPackedEvents, track: membrane + current + 2 * drive > limit, drive: drive)
    }

    /// The drive bound of a step with `events` events (no lateral term), when below 2^30.
    static func wholeRunDrive(_ p: CoreProgram, events: Int) -> Int64? {
        let synaptic = Int64(events) * p.maxAbsWeight
        guard synaptic < 1 << 30, synaptic << p.weightShift < 1 << 30 else { return nil }
        return synaptic << p.weightShift
    }

    /// A bound on every |c| of a sample whose steps' drives are at most D, known before running
    /// it: |decay(x)| <= |x| (1 - 2^-k) + 1/2 for the shift k >= 1 (and 0 for k = 0), so from
    /// c = 0 every |c| stays below the fixed point 2^k (D + 1/2).
    static func currentBoundBeforeRun(_ p: CoreProgram, drive: Int64) -> Int64 {
        let k = p.currentDecay.shift
        return k == 0 ? drive : (drive << k) + (1 << (k - 1))
    }

    /// Whether a whole-sample run (`hm2bp_core_run`) computed the contract's values: with X a
    /// bound on every |c| (measured by the run, or `currentBoundBeforeRun`), U = max(theta_max,
    /// -min u, 0) (u before the reset, measured; after it, u is either that value below its
    /// threshold, or 0) and D the largest step's drive bound, `X + D + U <= limit` proves step
    /// by step that every step was exact: if the steps before t were, |c'| <= X + D and
    /// |u'| <= U + X + D at step t, so neither addition saturates and the 32-bit fast form holds
    /// the true values.
    static func coreRunIsExact(_ p: CoreProgram, drive: Int64, currentBound: Int64, membraneMin: Int64) -> Bool {
        currentBound + drive + max(p.maxThreshold, -membraneMin, 0) <= limit(p)
    }

    static func measureBounds(_ p: CoreProgram, _ s: CoreState) {
        var bounds: (Int64, Int64) = (0, 0)
        withUnsafeMutableBytes(of: &bounds) { p.kernels.bounds(p.fast, s.fast, $0.baseAddress!.assumingMemoryBound(to: Int64.self)) }
        (s.currentBound, s.membraneBound) = bounds
        s.boundsExact = true
    }

    static func step(_ p: CoreProgram, _ s: CoreState, t: Int, plan: Plan) {
        FastForm.ensureFast(p, s, t: t)
        if !plan.narrow { CoreKernel.accumulate(p, s) }
        var bounds: (Int64, Int64) = (0, 0)
        let count = withUnsafeMutableBytes(of: &bounds) { raw in
            p.kernels.step(p.fast, s.fast, t, s.inbox, Int32(s.inboxCount), plan.narrow ? nil : s.sums.pointer,
                            Int32(s.lastSpikeCount), s.spikes.pointer, s.spikeCounts.pointer,
                            plan.track ? raw.baseAddress!.assumingMemoryBound(to: Int64.self) : nil)
        }
        if plan.track {
            (s.currentBound, s.membraneBound) = bounds
        } else {
            s.currentBound += plan.drive
            s.membraneBound += s.currentBound
        }
        s.boundsExact = plan.track
        s.form = .fast
        s.spikeCount = Int(count)
        s.lastSpikeCount = Int(count)
        s.fastSteps += 1
    }
}
