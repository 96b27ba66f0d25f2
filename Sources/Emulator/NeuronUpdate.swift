/// Steps 1 and 3 to 7 of docs/fixed-point.md section 3 for a whole core, 8 neurons per
/// iteration in 64-bit lanes, after `CoreKernel` has stored the step's int32 row sums.
/// c and u hold up to 32 bits and `sum << F` up to 55, so 64-bit lanes keep every intermediate
/// exact and make saturation a plain clamp.
enum NeuronUpdate {
    typealias Lane = SIMD8<Int64>

    @inline(__always)
    static func load(_ p: UnsafeMutablePointer<Int64>, _ o: Int) -> Lane { UnsafeRawPointer(p + o).load(as: Lane.self) }
    @inline(__always)
    static func store(_ v: Lane, _ p: UnsafeMutablePointer<Int64>, _ o: Int) { UnsafeMutableRawPointer(p + o).storeBytes(of: v, as: Lane.self) }

    @inline(__always)
    static func widen(_ p: UnsafePointer<Int32>) -> Lane {
        let v = UnsafeRawPointer(p).load(as: SIMD8<Int32>.self)
        var out = Lane()
        for i in 0..<8 { out[i] = Int64(v[i]) }
        return out
    }

    /// One byte per lane, 1 where the lane fired: tested as one 64-bit word, because reducing
    /// a SIMD mask lane by lane is slow (docs/performance-notes).
    @inline(__always)
    static func firedBytes(_ fired: Lane) -> UInt64 {
        var bytes = SIMD8<UInt8>()
        for i in 0..<8 { bytes[i] = UInt8(truncatingIfNeeded: fired[i]) }
        return unsafeBitCast(bytes, to: UInt64.self)
    }

    @inline(__always)
    static func decay(_ x: Lane, multiplier: Lane, bias: Lane, shift: Lane, byShift: Bool) -> Lane {
        x &- (((byShift ? x : x &* multiplier) &+ bias) &>> shift)
    }

    static func run(_ p: CoreProgram, _ s: CoreState, trace: CoreKernel.TraceRow?) {
        // Two copies of the loop, so shift decays (the common case) carry no multiply.
        if p.currentDecay.multiplier == 1 && p.membraneDecay.multiplier == 1 {
            run(p, s, trace: trace, byShift: true)
        } else {
            run(p, s, trace: trace, byShift: false)
        }
    }

    @inline(__always)
    static func run(_ p: CoreProgram, _ s: CoreState, trace: CoreKernel.TraceRow?, byShift: Bool) {
        let c = s.current.pointer, u = s.membrane.pointer, r = s.refractory.pointer, firedLast = s.firedLast.pointer
        let thresholds = p.thresholds.pointer, laterals = p.laterals.pointer
        let sums = UnsafePointer(s.sums.pointer), spikes = s.spikes.pointer
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
            var drive = widen(sums + o) &<< shift
            if hasLateral { drive &+= (lateralCount &- load(firedLast, o)) &* load(laterals, o) }
            let rawCurrent = decay(load(c, o), multiplier: cm, bias: cb, shift: cs, byShift: byShift) &+ drive
            let current = pointwiseMin(pointwiseMax(rawCurrent, low), high)
            let rawMembrane = decay(load(u, o), multiplier: mm, bias: mb, shift: ms, byShift: byShift) &+ current
            var membrane = pointwiseMin(pointwiseMax(rawMembrane, low), high)
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
