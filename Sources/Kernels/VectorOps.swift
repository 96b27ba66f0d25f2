/// Small vector loops over raw pointers. They are written plainly so that the optimiser, built
/// with `-Ounchecked -target-cpu native`, vectorises them to AVX-512 (measured in hm2bp-bench).

/// dst[k] += src[k]
@inlinable @inline(__always)
public func addInPlace(_ dst: UnsafeMutablePointer<Float>, _ src: UnsafePointer<Float>, count: Int) {
    for k in 0..<count { dst[k] += src[k] }
}

/// dst[k] += src[k] for Int32 (event-driven integer accumulation).
@inlinable @inline(__always)
public func addInPlace(_ dst: UnsafeMutablePointer<Int32>, _ src: UnsafePointer<Int32>, count: Int) {
    for k in 0..<count { dst[k] &+= src[k] }
}

/// dst[k] += a * x[k]
@inlinable @inline(__always)
public func axpy(_ dst: UnsafeMutablePointer<Float>, _ a: Float, _ x: UnsafePointer<Float>, count: Int) {
    for k in 0..<count { dst[k] += a * x[k] }
}

/// sum_k x[k] * y[k], with 16 independent partial sums so the loop vectorises.
@inlinable @inline(__always)
public func dot(_ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, count: Int) -> Float {
    var acc = SIMD16<Float>()
    var k = 0
    while k + 16 <= count {
        let a = UnsafeRawPointer(x + k).loadUnaligned(as: SIMD16<Float>.self)
        let b = UnsafeRawPointer(y + k).loadUnaligned(as: SIMD16<Float>.self)
        acc.addProduct(a, b)
        k += 16
    }
    var total = acc.sum()
    while k < count { total += x[k] * y[k]; k += 1 }
    return total
}
