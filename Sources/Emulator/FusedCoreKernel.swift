import CKernels

/// One step (t >= 1) of one core when it provably cannot overflow or saturate, the path every
/// step of a compiled MNIST model takes: 16-bit row accumulation from the packed weights, then
/// the neuron update with none of the saturation work.
///
/// Preconditions (checked by `plan`, which the caller asks first):
/// * both decays are shifts and the step's drive bound D (`NarrowNeuronUpdate.driveBound`) is
///   below 2^30;
/// * with M the core's state bound after the last step, `2M + D <= 2^(B-1) - 1`: then
///   |c'| <= M + D and |u'| <= 2M + D (a decay never grows |x|), so neither addition of the
///   contract can saturate and 32-bit lanes compute them exactly, and `x + 2^(k-1)` of the
///   rounding shift cannot overflow either (M < 2^30, k <= 30), so `rshift` is the
///   contract's own formula.
///
/// Row sums are accumulated in 16-bit lanes from `CoreProgram.packedWeights` (offset weights
/// q + 128) whenever the step has at most 257 events, which bounds every lane's sum by
/// 255 * 257 = 65535; larger steps accumulate in int32 (`CoreKernel.accumulate`).
enum FusedCoreKernel {
    /// fused16: packed 16-bit sums; sums32: int32 sums; none: the general path.
    enum Plan { case fused16, sums32, none }

    /// Which form this step may take; `.none` leaves it to `CoreKernel`'s general path.
    @inline(__always)
    static func plan(_ p: CoreProgram, _ s: CoreState) -> Plan {
        guard let drive = NarrowNeuronUpdate.driveBound(p, s), 2 * s.stateBound + drive <= p.stateHigh else { return .none }
        return s.inboxCount <= maxPackedEvents ? .fused16 : .sums32
    }

    static func step(_ p: CoreProgram, _ s: CoreState, plan: Plan) {
        let narrow = plan == .fused16
        if narrow { accumulatePacked(p, s) } else { CoreKernel.accumulate(p, s) }
        update(p, s, narrowSums: narrow)
    }

    /// Steps of up to this many events accumulate in 16-bit lanes: an offset weight is at most
    /// 255, so every lane's offset sum is at most 255 * 255 < 2^16, and the true sum
    /// (offset sum - 128 * events) lies in [-128 * 255, 127 * 255], inside int16.
    static let maxPackedEvents = 255
    typealias Word = SIMD32<UInt16>

    /// The step's offset row sums (sum of q + 128 over the events) in `s.packedSums`, from
    /// `CoreProgram.packedWeights`: per block of 64 neurons and event, one 64-byte load, one
    /// shift and two 16-bit adds (the int32 kernel needs four widening loads and four adds),
    /// with tiles of 5, 3 and 1 blocks kept in registers across the step's events.
    static func accumulatePacked(_ p: CoreProgram, _ s: CoreState) {
        let width = p.packedWidth
        let events = UnsafePointer(s.inbox)
        let eventCount = s.inboxCount
        let weights = UnsafeRawPointer(p.packedWeights.pointer)
        let sums = s.packedSums.pointer
        let offset = Word(repeating: UInt16(truncatingIfNeeded: 128 * eventCount))
        var o = 0
        while o + 320 <= width {
            var w0 = Word(), w1 = Word(), w2 = Word(), w3 = Word(), w4 = Word()
            var h0 = Word(), h1 = Word(), h2 = Word(), h3 = Word(), h4 = Word()
            for e in 0..<eventCount {
                let row = weights + (Int(events[e]) &* width &+ o)
                let x0 = row.load(as: Word.self), x1 = (row + 64).load(as: Word.self), x2 = (row + 128).load(as: Word.self)
                let x3 = (row + 192).load(as: Word.self), x4 = (row + 256).load(as: Word.self)
                w0 &+= x0; h0 &+= high(x0); w1 &+= x1; h1 &+= high(x1); w2 &+= x2; h2 &+= high(x2)
                w3 &+= x3; h3 &+= high(x3); w4 &+= x4; h4 &+= high(x4)
            }
            store(w0, h0, offset, sums + o); store(w1, h1, offset, sums + o + 64); store(w2, h2, offset, sums + o + 128)
            store(w3, h3, offset, sums + o + 192); store(w4, h4, offset, sums + o + 256)
            o += 320
        }
        while o + 192 <= width {
            var w0 = Word(), w1 = Word(), w2 = Word(), h0 = Word(), h1 = Word(), h2 = Word()
            for e in 0..<eventCount {
                let row = weights + (Int(events[e]) &* width &+ o)
                let x0 = row.load(as: Word.self), x1 = (row + 64).load(as: Word.self), x2 = (row + 128).load(as: Word.self)
                w0 &+= x0; h0 &+= high(x0); w1 &+= x1; h1 &+= high(x1); w2 &+= x2; h2 &+= high(x2)
            }
            store(w0, h0, offset, sums + o); store(w1, h1, offset, sums + o + 64); store(w2, h2, offset, sums + o + 128)
            o += 192
        }
        while o < width {
            var w = Word(), h = Word()
            for e in 0..<eventCount {
                let x = (weights + (Int(events[e]) &* width &+ o)).load(as: Word.self)
                w &+= x; h &+= high(x)
            }
            store(w, h, offset, sums + o)
            o += 64
        }
    }

    /// The high byte of every word. Shifts are written on 16-lane halves: on 32 lanes the
    /// standard library's loop was not unrolled and ran lane by lane (20x slower).
    @inline(__always)
    static func high(_ x: Word) -> Word { Word(lowHalf: x.lowHalf &>> 8, highHalf: x.highHalf &>> 8) }

    /// One block's true sums (as int16 bit patterns) in neuron order. The word sums are
    /// (low offset sums) + 256 * (high offset sums) mod 2^16, and the low offset sums fit 16
    /// bits, so subtracting 256 * (high offset sums) recovers them; subtracting 128 * events
    /// (mod 2^16) then leaves the true sums, which fit int16 (see `maxPackedEvents`).
    @inline(__always)
    static func store(_ words: Word, _ high: Word, _ offset: Word, _ out: UnsafeMutablePointer<UInt16>) {
        let shifted = Word(lowHalf: high.lowHalf &<< 8, highHalf: high.highHalf &<< 8)
        UnsafeMutableRawPointer(out).storeBytes(of: words &- shifted &- offset, as: Word.self)
        UnsafeMutableRawPointer(out + 32).storeBytes(of: high &- offset, as: Word.self)
    }

    /// Steps 1 and 3 to 7 of docs/fixed-point.md section 3 from the int16 (`narrowSums`) or
    /// int32 sums, and the spike list. In C (CKernels' `hm2bp_fused_update`) for AVX-512 mask
    /// registers: the spike test yields a lane mask that `vpcompressd` turns straight into the
    /// ascending index list, where Swift needed a byte-per-neuron pass and a table lookup.
    static func update(_ p: CoreProgram, _ s: CoreState, narrowSums: Bool) {
        let packed = UnsafeRawPointer(s.packedSums.pointer).assumingMemoryBound(to: Int16.self)
        var bound: Int32 = 0
        // k = 0 is bias 0, shift 0: x - x = 0, the contract's decay to 0.
        let count = hm2bp_fused_update(
            s.current.pointer, s.membrane.pointer, s.refractory.pointer,
            p.hasLateral ? s.firedLast.pointer : nil, p.thresholds.pointer, p.laterals.pointer,
            narrowSums ? packed : nil, s.sums.pointer, p.paddedWidth, Int32(p.weightShift),
            Int32(p.currentDecay.bias), Int32(p.currentDecay.shift), Int32(p.membraneDecay.bias), Int32(p.membraneDecay.shift),
            Int32(p.refractorySteps), Int32(s.lastSpikeCount), s.spikes.pointer, &bound)
        s.stateBound = Int64(bound)
        s.spikeCount = Int(count)
        s.lastSpikeCount = Int(count)
    }
}
