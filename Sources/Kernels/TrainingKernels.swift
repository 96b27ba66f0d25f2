import CKernels

/// The per-row loops of the HM2-BP backward pass, written with explicit SIMD16 so they
/// vectorise even though the compiler cannot prove the buffers do not alias.

/// products[k] += w[k]·e[k] over one row segment.
@inline(__always)
public func accumulateProducts(_ products: UnsafeMutablePointer<Float>, _ w: UnsafePointer<Float>, _ e: UnsafePointer<Float>, count n: Int) {
    typealias V = SIMD16<Float>
    var k = 0
    while k + 16 <= n {
        let p = UnsafeRawPointer(products + k).loadUnaligned(as: V.self)
        let product = UnsafeRawPointer(w + k).loadUnaligned(as: V.self) * UnsafeRawPointer(e + k).loadUnaligned(as: V.self)
        UnsafeMutableRawPointer(products + k).storeBytes(of: p + product, as: V.self)
        k += 16
    }
    while k < n { products[k] += w[k] * e[k]; k += 1 }
}

/// sums[k] += w[k], squares[k] += w[k]² over one row segment.
@inline(__always)
public func accumulateSumsAndSquares(_ w: UnsafePointer<Float>, count n: Int, sums: UnsafeMutablePointer<Float>, squares: UnsafeMutablePointer<Float>) {
    for k in 0..<n {
        sums[k] += w[k]
        squares[k] += w[k] * w[k]
    }
}

/// Σ a[k]·w[k]·e[k].
@inline(__always)
public func weightedDot(_ a: UnsafePointer<Float>, _ w: UnsafePointer<Float>, _ e: UnsafePointer<Float>, count n: Int) -> Float {
    var acc = SIMD16<Float>()
    var k = 0
    while k + 16 <= n {
        let av = UnsafeRawPointer(a + k).loadUnaligned(as: SIMD16<Float>.self)
        let wv = UnsafeRawPointer(w + k).loadUnaligned(as: SIMD16<Float>.self)
        let ev = UnsafeRawPointer(e + k).loadUnaligned(as: SIMD16<Float>.self)
        acc.addProduct(av * wv, ev)
        k += 16
    }
    var total = acc.sum()
    while k < n { total += a[k] * w[k] * e[k]; k += 1 }
    return total
}

/// Adam's constants for one step.
public struct AdamStep {
    public var beta1: Float, beta2: Float, epsilon: Float, learningRate: Float
    /// 1 / (1 − β1^t) and 1 / (1 − β2^t).
    public var firstCorrection: Float, secondCorrection: Float

    public init(beta1: Float, beta2: Float, epsilon: Float, learningRate: Float, firstCorrection: Float, secondCorrection: Float) {
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.learningRate = learningRate
        self.firstCorrection = firstCorrection
        self.secondCorrection = secondCorrection
    }
}

/// One row segment of the fused gradient + Adam update (in C; see ckernels.h for why):
/// g = coefficient[k]·e[k] + regularizer[k]·w[k]; m = β1 m + (1−β1) g; v = β2 v + (1−β2) g²;
/// w −= lr · (m / (1−β1^t)) / (√(v / (1−β2^t)) + ε); then the new w is added to `sums` and its
/// square to `squares`. `spsp` nil means a silent input (all S-PSPs zero).
@inline(__always)
public func adamUpdate(
    weights w: UnsafeMutablePointer<Float>, spsp e: UnsafePointer<Float>?,
    first m: UnsafeMutablePointer<Float>, second v: UnsafeMutablePointer<Float>,
    coefficient c: UnsafePointer<Float>, regularizer r: UnsafePointer<Float>, count n: Int, step: AdamStep,
    sums: UnsafeMutablePointer<Float>, squares: UnsafeMutablePointer<Float>
) {
    hm2bp_adam_update(w, e, m, v, c, r, n, step.beta1, step.beta2, step.epsilon, step.learningRate,
                      step.firstCorrection, step.secondCorrection, sums, squares)
}
