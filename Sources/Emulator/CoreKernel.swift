/// One step (t >= 1) of one core with the integer update of docs/fixed-point.md section 3.
///
/// Steps that provably cannot overflow or saturate (nearly all steps of a compiled model) and
/// are not recorded go to `FastCoreKernel`. The others accumulate here, event-driven: a tile
/// of 160 neurons lives in ten SIMD16<Int32> registers while every axon event of the step adds
/// its int8 weight row (widened lane by lane, which compiles to one sign-extending load), and
/// the sums go to `NeuronUpdate` (32-bit lanes with saturation, or 64-bit lanes). Exactness of
/// the int32 row sum is checked per core when the image is loaded
/// (`CoreProgram.usesVectorKernel`); cores that fail it use `ScalarCoreKernel`.
enum CoreKernel {
    typealias Sum = SIMD16<Int32>
    typealias Lane = SIMD8<Int64>
    static let tileVectors = 10

    /// Per-step recording of u at the threshold test and c, `paddedWidth` values each.
    struct TraceRow {
        var membrane: UnsafeMutablePointer<Int32>
        var current: UnsafeMutablePointer<Int32>
    }

    static func step(_ p: CoreProgram, _ s: CoreState, t: Int, trace: TraceRow?) {
        // Recorded steps take the general path, which also writes the trace.
        if trace == nil, let plan = FastCoreKernel.plan(p, s) {
            FastCoreKernel.step(p, s, t: t, plan: plan)
            return
        }
        FastForm.ensureCanonical(p, s, t: t)
        accumulate(p, s)
        NeuronUpdate.run(p, s, trace: trace)
        s.form = .canonical
        s.countSpikes()
    }

    /// Stores the step's int32 row sums in `s.sums`.
    static func accumulate(_ p: CoreProgram, _ s: CoreState) {
        let width = p.paddedWidth
        let events = UnsafePointer(s.inbox)
        let eventCount = s.inboxCount
        let weights = UnsafePointer(p.weights.pointer)
        let sums = s.sums.pointer
        var start = 0
        while start + tileVectors * 16 <= width {
            var a0 = Sum(), a1 = Sum(), a2 = Sum(), a3 = Sum(), a4 = Sum()
            var a5 = Sum(), a6 = Sum(), a7 = Sum(), a8 = Sum(), a9 = Sum()
            for e in 0..<eventCount {
                let offset: Int = Int(events[e]) &* width &+ start
                let row = UnsafeRawPointer(weights + offset)
                a0 &+= widen(row); a1 &+= widen(row + 16); a2 &+= widen(row + 32); a3 &+= widen(row + 48)
                a4 &+= widen(row + 64); a5 &+= widen(row + 80); a6 &+= widen(row + 96); a7 &+= widen(row + 112)
                a8 &+= widen(row + 128); a9 &+= widen(row + 144)
            }
            store(a0, sums, start); store(a1, sums, start + 16); store(a2, sums, start + 32); store(a3, sums, start + 48)
            store(a4, sums, start + 64); store(a5, sums, start + 80); store(a6, sums, start + 96); store(a7, sums, start + 112)
            store(a8, sums, start + 128); store(a9, sums, start + 144)
            start += tileVectors * 16
        }
        // Cores of up to 128 neurons (hm2bp-nano) and remainders: one 8-register tile.
        while start + 128 <= width {
            var a0 = Sum(), a1 = Sum(), a2 = Sum(), a3 = Sum(), a4 = Sum(), a5 = Sum(), a6 = Sum(), a7 = Sum()
            for e in 0..<eventCount {
                let offset: Int = Int(events[e]) &* width &+ start
                let row = UnsafeRawPointer(weights + offset)
                a0 &+= widen(row); a1 &+= widen(row + 16); a2 &+= widen(row + 32); a3 &+= widen(row + 48)
                a4 &+= widen(row + 64); a5 &+= widen(row + 80); a6 &+= widen(row + 96); a7 &+= widen(row + 112)
            }
            store(a0, sums, start); store(a1, sums, start + 16); store(a2, sums, start + 32); store(a3, sums, start + 48)
            store(a4, sums, start + 64); store(a5, sums, start + 80); store(a6, sums, start + 96); store(a7, sums, start + 112)
            start += 128
        }
        while start < width {
            var a = Sum()
            for e in 0..<eventCount {
                let offset: Int = Int(events[e]) &* width &+ start
                a &+= widen(UnsafeRawPointer(weights + offset))
            }
            store(a, sums, start)
            start += 16
        }
    }

    @inline(__always)
    static func store(_ v: Sum, _ p: UnsafeMutablePointer<Int32>, _ o: Int) { UnsafeMutableRawPointer(p + o).storeBytes(of: v, as: Sum.self) }

    /// Sign-extends 16 int8 weights; the standard library's converting initialiser is not
    /// inlined in hot loops (docs/performance-notes), this loop becomes one vpmovsxbd.
    @inline(__always)
    static func widen(_ p: UnsafeRawPointer) -> Sum {
        let bytes = p.loadUnaligned(as: SIMD16<Int8>.self)
        var out = Sum()
        for i in 0..<16 { out[i] = Int32(bytes[i]) }
        return out
    }

}

