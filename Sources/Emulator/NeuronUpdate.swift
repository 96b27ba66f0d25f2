/// Steps 1 and 3 to 7 of docs/fixed-point.md section 3 for a whole core, after `CoreKernel`
/// has stored the step's int32 row sums. Steps whose drive provably fits 30 bits run in 32-bit
/// lanes (`NarrowNeuronUpdate`); the others here, 8 neurons per iteration in 64-bit lanes:
/// `sum << F` reaches 55 bits, and 64-bit lanes keep every intermediate exact and make
/// saturation a plain clamp.
enum NeuronUpdate {
    typealias Lane = SIMD8<Int64>

    /// States are stored as int32 (B <= 32 bits always fits); lane loops widen and narrow them
    /// with one instruction each.
    @inline(__always)
    static func load(_ p: UnsafeMutablePointer<Int32>, _ o: Int) -> Lane {
        let v = UnsafeRawPointer(p + o).loadUnaligned(as: SIMD8<Int32>.self)
        var out = Lane()
        for i in 0..<8 { out[i] = Int64(v[i]) }
        return out
    }

    @inline(__always)
    static func store(_ v: Lane, _ p: UnsafeMutablePointer<Int32>, _ o: Int) {
        var out = SIMD8<Int32>()
        for i in 0..<8 { out[i] = Int32(truncatingIfNeeded: v[i]) }
        UnsafeMutableRawPointer(p + o).storeBytes(of: out, as: SIMD8<Int32>.self)
    }

    /// One byte per lane, 1 where the lane fired: tested as one 64-bit word, because reducing
    /// a SIMD mask lane by lane is slow (docs/performance-notes).
    @inline(__always)
    static func firedBytes(_ fired: Lane) -> UInt64 {
        var bytes = SIMD8<UInt8>()
        for i in 0..<8 { bytes[i] = UInt8(truncatingIfNeeded: fired[i]) }
        return unsafeBitCast(bytes, to: UInt64.self)
    }

    /// min(max(x, low), high) as two masked blends: the standard library's `pointwiseMin` and
    /// `pointwiseMax` are not inlined here and cost a call each.
    @inline(__always)
    static func clamp(_ x: Lane, _ low: Lane, _ high: Lane) -> Lane {
        var result = x
        result.replace(with: low, where: x .< low)
        result.replace(with: high, where: x .> high)
        return result
    }

    @inline(__always)
    static func decay(_ x: Lane, multiplier: Lane, bias: Lane, shift: Lane, byShift: Bool) -> Lane {
        x &- (((byShift ? x : x &* multiplier) &+ bias) &>> shift)
    }

    static func run(_ p: CoreProgram, _ s: CoreState, trace: CoreKernel.TraceRow?) {
        if let driveBound = NarrowNeuronUpdate.driveBound(p, s) {
            NarrowNeuronUpdate.run(p, s, trace: trace, driveBound: driveBound)
            return
        }
        s.currentBound = CoreState.unknownBound
        s.membraneBound = CoreState.unknownBound
        s.boundsExact = true
        if p.currentDecay.multiplier == 1 && p.membraneDecay.multiplier == 1 {
            // Two copies of the loop, so shift decays carry no multiply.
            run(p, s, trace: trace, byShift: true)
        } else {
            run(p, s, trace: trace, byShift: false)
        }
    }

    @inline(__always)
    static func run(_ p: CoreProgram, _ s: CoreState, trace: CoreKernel.TraceRow?, byShift: Bool) {
        let c = s.current.pointer, u = s.membrane.pointer, r = s.refractory.pointer, firedLast = s.firedLast.pointer
        let thresholds = p.thresholds.pointer, laterals = p.laterals.pointer
        let sums = s.sums.pointer, spikes = s.spikes.pointer
        let hasLateral = p.hasLateral
        let shift = Lane(repeating: p.weightShift)
        let low = Lane(repeating: p.stateLow), high = Lane(repeating: p.stateHigh)
        let refractory = Lane(repeating: p.refractorySteps), one = Lane(repeating: 1), zero = Lane()
        let lateralCount = Lane(repeating: Int64(s.lastSpikeCount))
        let cm = Lane(repeating: p.currentDecay.multiplier), cb = Lane(repeating: p.currentDecay.bias), cs = Lane(repeating: p.currentDecay.shift)
        let mm = Lane(repeating: p.membraneDecay.multiplier), mb = Lane(repeating: p.membraneDecay.bias), ms = Lane(repeating: p.membraneDecay.shift)
        var saturations = Lane()
        var spikeCount = 0
        var o = 0
        while o < p.paddedWidth {
            var drive = load(sums, o) &<< shift
            if hasLateral { drive &+= (lateralCount &- load(firedLast, o)) &* load(laterals, o) }
            let rawCurrent = decay(load(c, o), multiplier: cm, bias: cb, shift: cs, byShift: byShift) &+ drive
            let current = clamp(rawCurrent, low, high)
            let rawMembrane = decay(load(u, o), multiplier: mm, bias: mb, shift: ms, byShift: byShift) &+ current
            var membrane = clamp(rawMembrane, low, high)
            saturations &+= zero.replacing(with: one, where: current .!= rawCurrent) &+ zero.replacing(with: one, where: membrane .!= rawMembrane)
            var left = load(r, o)
            let clamped = left .> 0
            membrane.replace(with: zero, where: clamped)
            left &-= zero.replacing(with: one, where: clamped)
            if let trace {
                store(membrane, trace.membrane, o)
                store(current, trace.current, o)
            }
            let spike = membrane .> load(thresholds, o)
            let fired = zero.replacing(with: one, where: spike)
            membrane.replace(with: zero, where: spike)
            left.replace(with: refractory, where: spike)
            store(current, c, o)
            store(membrane, u, o)
            store(left, r, o)
            if hasLateral { store(fired, firedLast, o) }
            var word = firedBytes(fired)
            while word != 0 {
                spikes[spikeCount] = Int32(o + word.trailingZeroBitCount / 8)
                spikeCount += 1
                word &= word - 1
            }
            o += 8
        }
        s.saturations += Int(saturations.wrappedSum())
        s.spikeCount = spikeCount
        s.lastSpikeCount = spikeCount
    }
}
