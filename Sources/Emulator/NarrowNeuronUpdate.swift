/// The neuron update of `NeuronUpdate` in 32-bit lanes, 16 neurons per iteration (half the
/// instructions of 64-bit lanes). It is exact whenever the step's drive fits in 30 bits:
/// shift decays are computed without the `+ 2^(k-1)` that could overflow
/// (`rshift(x, k) = (x >> k) + ((x >> (k-1)) & 1)`), and the two B-bit additions detect int32
/// overflow (operands of one sign, result of the other) and saturate it, so a B = 32 state
/// clamps exactly as in 64 bits. Multiplier decays need 47-bit products and stay in 64 bits.
enum NarrowNeuronUpdate {
    typealias Lane = SIMD16<Int32>

    /// A bound on this step's |drive|, `events * max|q| * 2^F + spikes * max|L|`, when it is
    /// below 2^30 and both decays are shifts (the step may run here); otherwise nil.
    @inline(__always)
    static func driveBound(_ p: CoreProgram, _ s: CoreState) -> Int64? {
        guard p.currentDecay.multiplier == 1, p.membraneDecay.multiplier == 1 else { return nil }
        let synaptic = Int64(s.inboxCount) * p.maxAbsWeight
        guard synaptic < 1 << 30 else { return nil }
        let bound = (synaptic << p.weightShift) + Int64(s.lastSpikeCount) * p.maxAbsLateral
        return bound < 1 << 30 ? bound : nil
    }

    @inline(__always)
    static func load(_ p: UnsafeMutablePointer<Int32>, _ o: Int) -> Lane { UnsafeRawPointer(p + o).load(as: Lane.self) }
    @inline(__always)
    static func store(_ v: Lane, _ p: UnsafeMutablePointer<Int32>, _ o: Int) { UnsafeMutableRawPointer(p + o).storeBytes(of: v, as: Lane.self) }

    /// x - rshift(x, k); k = 0 is passed as shift 0 with roundMask 0, which gives x - x = 0.
    @inline(__always)
    static func decay(_ x: Lane, shift: Int32, roundShift: Int32, roundMask: Lane) -> Lane {
        x &- ((x &>> shift) &+ ((x &>> roundShift) & roundMask))
    }

    /// -1 in lanes where x != 0, else 0.
    @inline(__always)
    static func nonZero(_ x: Lane) -> Lane { (x | (Lane() &- x)) &>> 31 }

    /// `driveBound` from `driveBound(_:_:)`. When the state bounds of the last step leave room
    /// (|c| <= Mc, |u| <= Mu, so |c'| <= Mc + D and |u'| <= Mu + Mc + D <= 2^(B-1) - 1),
    /// nothing can overflow or saturate, and the loop skips the overflow and clamp work.
    static func run(_ p: CoreProgram, _ s: CoreState, trace: CoreKernel.TraceRow?, driveBound: Int64) {
        let saturationFree = s.membraneBound + s.currentBound + driveBound <= p.stateHigh
        let c = s.current.pointer, u = s.membrane.pointer, r = s.refractory.pointer, firedLast = s.firedLast.pointer
        let thresholds = p.thresholds.pointer, laterals = p.laterals.pointer
        let sums = s.sums.pointer, spikes = s.spikes.pointer
        let hasLateral = p.hasLateral
        let shift = Int32(p.weightShift)
        let low = Lane(repeating: Int32(p.stateLow)), high = Lane(repeating: Int32(p.stateHigh))
        let refractory = Lane(repeating: Int32(p.refractorySteps)), one = Lane(repeating: 1), zero = Lane(), minusOne = Lane(repeating: -1), maxLane = Lane(repeating: .max)
        let lateralCount = Lane(repeating: Int32(s.lastSpikeCount))
        func parameters(_ d: DecayParameters) -> (Int32, Int32, Lane) {
            d.shift == 0 ? (0, 0, zero) : (Int32(d.shift), Int32(d.shift - 1), one)
        }
        let (cs, cr, cm) = parameters(p.currentDecay), (ms, mr, mm) = parameters(p.membraneDecay)
        let table = SpikeCompression.table
        var saturations = Lane(), magnitudes = Lane()
        var spikeCount = 0
        var o = 0
        while o < p.paddedWidth {
            var drive = load(sums, o) &<< shift
            if hasLateral { drive &+= (lateralCount &- load(firedLast, o)) &* load(laterals, o) }
            let c0 = decay(load(c, o), shift: cs, roundShift: cr, roundMask: cm)
            let u0 = decay(load(u, o), shift: ms, roundShift: mr, roundMask: mm)
            var current: Lane, membrane: Lane
            if saturationFree {
                current = c0 &+ drive
                membrane = u0 &+ current
            } else {
                // sat_B(a + b) twice, written out (a helper function was not inlined): int32
                // overflow is "operands of one sign, result of the other" and saturates toward a's
                // sign; then the B-bit clamp. Every lane that overflowed or clamped is one event.
                let cSum = c0 &+ drive
                let cOverflow = ((c0 ^ cSum) & (drive ^ cSum)) &>> 31
                let cWide = (cSum & ~cOverflow) | (((c0 &>> 31) ^ maxLane) & cOverflow)
                current = cWide
                current.replace(with: low, where: cWide .< low)
                current.replace(with: high, where: cWide .> high)
                saturations &-= cOverflow | nonZero(current ^ cWide)
                let uSum = u0 &+ current
                let uOverflow = ((u0 ^ uSum) & (current ^ uSum)) &>> 31
                let uWide = (uSum & ~uOverflow) | (((u0 &>> 31) ^ maxLane) & uOverflow)
                membrane = uWide
                membrane.replace(with: low, where: uWide .< low)
                membrane.replace(with: high, where: uWide .> high)
                saturations &-= uOverflow | nonZero(membrane ^ uWide)
            }
            // r >= 0, so (0 - r) >> 31 is -1 exactly where r > 0: clamp u, count r down.
            var left = load(r, o)
            let refractoryNow = (zero &- left) &>> 31
            membrane &= ~refractoryNow
            left &+= refractoryNow
            if let trace {
                store(membrane, trace.membrane, o)
                store(current, trace.current, o)
            }
            let spike = zero.replacing(with: minusOne, where: membrane .> load(thresholds, o))
            membrane &= ~spike
            left = (left & ~spike) | (refractory & spike)
            let fired = spike & one
            store(current, c, o)
            store(membrane, u, o)
            // x ^ (x >> 31) is |x| or |x| - 1; OR-ing them bounds the magnitudes (+1 below).
            magnitudes |= (current ^ (current &>> 31)) | (membrane ^ (membrane &>> 31))
            store(left, r, o)
            if hasLateral { store(fired, firedLast, o) }
            // Branch-free spike extraction (a data-dependent branch here mispredicted on a
            // third of the iterations): gather the 8 fired flags of each half into a byte
            // mask, store the table's 8 lane indices for that mask, advance by its popcount.
            var bytes = SIMD16<UInt8>()
            for i in 0..<16 { bytes[i] = UInt8(truncatingIfNeeded: fired[i]) }
            let words = unsafeBitCast(bytes, to: SIMD2<UInt64>.self)
            for half in 0..<2 {
                let mask = Int((words[half] &* 0x0102_0408_1020_4080) >> 56)
                UnsafeMutableRawPointer(spikes + spikeCount).storeBytes(
                    of: table[mask] &+ SIMD8<Int32>(repeating: Int32(o + half * 8)), as: SIMD8<Int32>.self)
                spikeCount += mask.nonzeroBitCount
            }
            o += 16
        }
        s.saturations += Int(saturations.wrappedSum())
        var bound: Int32 = 0
        for i in 0..<16 { bound |= magnitudes[i] }
        s.currentBound = Int64(bound) + 1
        s.membraneBound = Int64(bound) + 1
        s.boundsExact = true
        s.spikeCount = spikeCount
        s.lastSpikeCount = spikeCount
    }
}


/// For each byte mask m, the indices of its set bits (ascending) in the first popcount(m) lanes.
enum SpikeCompression {
    static let storage: UnsafeMutablePointer<SIMD8<Int32>> = {
        let table = UnsafeMutablePointer<SIMD8<Int32>>.allocate(capacity: 256)
        for m in 0..<256 {
            var lanes = SIMD8<Int32>()
            var k = 0
            for b in 0..<8 where m >> b & 1 == 1 {
                lanes[k] = Int32(b)
                k += 1
            }
            table[m] = lanes
        }
        return table
    }()
    static var table: UnsafePointer<SIMD8<Int32>> { UnsafePointer(storage) }
}
