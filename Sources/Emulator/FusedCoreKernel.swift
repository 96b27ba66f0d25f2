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
    typealias Lane = SIMD16<Int32>

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
        // Four specialised copies of the update loop, the two choices constant in each (with
        // Bool arguments the optimizer kept one copy testing both in every iteration).
        switch (narrow, p.hasLateral) {
        case (true, false): update(p, s, Variant<Yes, No>.self)
        case (true, true): update(p, s, Variant<Yes, Yes>.self)
        case (false, false): update(p, s, Variant<No, No>.self)
        case (false, true): update(p, s, Variant<No, Yes>.self)
        }
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

    /// Steps 1 and 3 to 7 of docs/fixed-point.md section 3, 16 neurons per iteration, from the
    /// int16 (`narrowSums`) or int32 sums in `s.sums`.
    static func update<V: UpdateVariant>(_ p: CoreProgram, _ s: CoreState, _: V.Type) {
        let narrowSums = V.narrowSums, lateral = V.lateral
        let c = s.current.pointer, u = s.membrane.pointer, r = s.refractory.pointer, firedLast = s.firedLast.pointer
        let thresholds = p.thresholds.pointer, laterals = p.laterals.pointer, spikes = s.spikes.pointer, firedBytes = s.firedBytes.pointer
        let sums = s.sums.pointer, packedSums = UnsafeRawPointer(s.packedSums.pointer)
        let shift = Int32(p.weightShift)
        // k = 0 is bias 0, shift 0: x - x = 0, the contract's decay to 0.
        let cBias = Lane(repeating: Int32(p.currentDecay.bias)), cShift = Int32(p.currentDecay.shift)
        let mBias = Lane(repeating: Int32(p.membraneDecay.bias)), mShift = Int32(p.membraneDecay.shift)
        let refractory = Lane(repeating: Int32(p.refractorySteps)), one = Lane(repeating: 1), zero = Lane(), minusOne = Lane(repeating: -1)
        let lateralCount = Lane(repeating: Int32(s.lastSpikeCount))
        let table = SpikeCompression.table
        var magnitudes = Lane()
        var spikeCount = 0
        var o = 0
        while o < p.paddedWidth {
            let sum = narrowSums ? widen((packedSums + 2 * o).load(as: SIMD16<Int16>.self)) : NarrowNeuronUpdate.load(sums, o)
            var drive = sum &<< shift
            if lateral { drive &+= (lateralCount &- NarrowNeuronUpdate.load(firedLast, o)) &* NarrowNeuronUpdate.load(laterals, o) }
            let c0 = NarrowNeuronUpdate.load(c, o), u0 = NarrowNeuronUpdate.load(u, o)
            let current = c0 &- ((c0 &+ cBias) &>> cShift) &+ drive
            var membrane = u0 &- ((u0 &+ mBias) &>> mShift) &+ current
            // r >= 0, so (0 - r) >> 31 is -1 exactly where r > 0: clamp u, count r down.
            var left = NarrowNeuronUpdate.load(r, o)
            let refractoryNow = (zero &- left) &>> 31
            membrane &= ~refractoryNow
            left &+= refractoryNow
            let spike = zero.replacing(with: minusOne, where: membrane .> NarrowNeuronUpdate.load(thresholds, o))
            membrane &= ~spike
            left = (left & ~spike) | (refractory & spike)
            NarrowNeuronUpdate.store(current, c, o)
            NarrowNeuronUpdate.store(membrane, u, o)
            NarrowNeuronUpdate.store(left, r, o)
            // |x| as a compare and select (one vpabsd; no lane here is -2^31), OR-ed: a bound
            // on every magnitude.
            magnitudes |= current.replacing(with: zero &- current, where: current .< zero)
                | membrane.replacing(with: zero &- membrane, where: membrane .< zero)
            let fired = spike & one
            if lateral { NarrowNeuronUpdate.store(fired, firedLast, o) }
            var bytes = SIMD16<UInt8>()
            for i in 0..<16 { bytes[i] = UInt8(truncatingIfNeeded: fired[i]) }
            UnsafeMutableRawPointer(firedBytes + o).storeBytes(of: bytes, as: SIMD16<UInt8>.self)
            o += 16
        }
        // Branch-free extraction, 64 neurons per iteration: a byte mask per 8 neurons (one
        // vector multiply for all 8), the table's lane indices for each stored 8 at a time, the
        // count advanced by its popcount.
        var k = 0
        while k < p.paddedWidth {
            let masks = (UnsafeRawPointer(firedBytes + k).load(as: SIMD8<UInt64>.self) &* 0x0102_0408_1020_4080) &>> 56
            for j in 0..<8 {
                let mask = Int(truncatingIfNeeded: masks[j])
                UnsafeMutableRawPointer(spikes + spikeCount).storeBytes(
                    of: table[mask] &+ SIMD8<Int32>(repeating: Int32(k + j * 8)), as: SIMD8<Int32>.self)
                spikeCount += mask.nonzeroBitCount
            }
            k += 64
        }
        var bound: Int32 = 0
        for i in 0..<16 { bound |= magnitudes[i] }
        s.stateBound = Int64(bound)
        s.spikeCount = spikeCount
        s.lastSpikeCount = spikeCount
    }

    @inline(__always)
    static func widen(_ x: SIMD16<Int16>) -> Lane {
        var out = Lane()
        for i in 0..<16 { out[i] = Int32(x[i]) }
        return out
    }
}

/// Compile-time choices of `FusedCoreKernel.update`: packed 16-bit sums or int32 sums, and
/// lateral inhibition or none.
protocol UpdateVariant { static var narrowSums: Bool { get }; static var lateral: Bool { get } }
protocol Flag { static var value: Bool { get } }
enum Yes: Flag { static var value: Bool { true } }
enum No: Flag { static var value: Bool { false } }
enum Variant<NarrowSums: Flag, Lateral: Flag>: UpdateVariant {
    static var narrowSums: Bool { NarrowSums.value }
    static var lateral: Bool { Lateral.value }
}
