/// Event-driven accumulation: the sum of the weight rows of every input that spiked in one step.
///
/// The output is processed in tiles of 128 lanes held in eight SIMD16 registers while all of the
/// step's rows are added, so each event costs only loads of its weight row (no load and store
/// of the running sum per event). Rows are summed in the order given, starting from zero, and
/// the total is then added to `destination`: the float sum is the same one a scalar loop
/// `drive = Σ_j w_j; dst += drive` computes lane by lane.
@inline(__always)
public func accumulateRows(
    into destination: UnsafeMutablePointer<Float>, rows: UnsafePointer<Float>, rowStride: Int,
    indices: UnsafeBufferPointer<Int32>, count n: Int
) {
    if indices.isEmpty { return }
    typealias V = SIMD16<Float>
    var start = 0
    while start + 128 <= n {
        var a0 = V(), a1 = V(), a2 = V(), a3 = V(), a4 = V(), a5 = V(), a6 = V(), a7 = V()
        for j in indices {
            let row = UnsafeRawPointer(rows + Int(j) * rowStride + start)
            a0 += row.loadUnaligned(fromByteOffset: 0, as: V.self)
            a1 += row.loadUnaligned(fromByteOffset: 64, as: V.self)
            a2 += row.loadUnaligned(fromByteOffset: 128, as: V.self)
            a3 += row.loadUnaligned(fromByteOffset: 192, as: V.self)
            a4 += row.loadUnaligned(fromByteOffset: 256, as: V.self)
            a5 += row.loadUnaligned(fromByteOffset: 320, as: V.self)
            a6 += row.loadUnaligned(fromByteOffset: 384, as: V.self)
            a7 += row.loadUnaligned(fromByteOffset: 448, as: V.self)
        }
        let out = UnsafeMutableRawPointer(destination + start)
        out.storeBytes(of: out.loadUnaligned(fromByteOffset: 0, as: V.self) + a0, toByteOffset: 0, as: V.self)
        out.storeBytes(of: out.loadUnaligned(fromByteOffset: 64, as: V.self) + a1, toByteOffset: 64, as: V.self)
        out.storeBytes(of: out.loadUnaligned(fromByteOffset: 128, as: V.self) + a2, toByteOffset: 128, as: V.self)
        out.storeBytes(of: out.loadUnaligned(fromByteOffset: 192, as: V.self) + a3, toByteOffset: 192, as: V.self)
        out.storeBytes(of: out.loadUnaligned(fromByteOffset: 256, as: V.self) + a4, toByteOffset: 256, as: V.self)
        out.storeBytes(of: out.loadUnaligned(fromByteOffset: 320, as: V.self) + a5, toByteOffset: 320, as: V.self)
        out.storeBytes(of: out.loadUnaligned(fromByteOffset: 384, as: V.self) + a6, toByteOffset: 384, as: V.self)
        out.storeBytes(of: out.loadUnaligned(fromByteOffset: 448, as: V.self) + a7, toByteOffset: 448, as: V.self)
        start += 128
    }
    while start + 16 <= n {
        var a = V()
        for j in indices { a += UnsafeRawPointer(rows + Int(j) * rowStride + start).loadUnaligned(as: V.self) }
        let out = UnsafeMutableRawPointer(destination + start)
        out.storeBytes(of: out.loadUnaligned(as: V.self) + a, as: V.self)
        start += 16
    }
    while start < n {
        var a: Float = 0
        for j in indices { a += rows[Int(j) * rowStride + start] }
        destination[start] += a
        start += 1
    }
}
