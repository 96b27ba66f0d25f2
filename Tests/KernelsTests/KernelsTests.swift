import XCTest
@testable import Kernels

final class ParallelTests: XCTestCase {
    func testChunksCoverTheRangeAlignedAndInOrder() {
        for (count, workers) in [(800, 2), (10, 2), (37, 3), (0, 2), (1000, 7)] {
            let chunks = Parallel.chunks(of: count, alignment: 16, maximum: workers)
            XCTAssertEqual(chunks.first?.lowerBound ?? 0, 0)
            XCTAssertEqual(chunks.last?.upperBound ?? 0, count)
            for (a, b) in zip(chunks, chunks.dropFirst()) {
                XCTAssertEqual(a.upperBound, b.lowerBound, "chunks of \(count) must tile it")
                XCTAssertEqual(a.upperBound % 16, 0, "inner boundaries are aligned")
            }
            XCTAssertLessThanOrEqual(chunks.count, max(1, workers))
        }
        XCTAssertEqual(Parallel.chunks(of: 800, maximum: 2), [0..<400, 400..<800])
    }

    func testForEachRunsEveryChunkOnce() {
        let chunks = Parallel.chunks(of: 1000, alignment: 1, maximum: 8)
        var hits = [Int](repeating: 0, count: 1000)
        hits.withUnsafeMutableBufferPointer { buffer in
            Parallel.forEach(chunks) { _, range in for i in range { buffer[i] += 1 } }
        }
        XCTAssertEqual(hits, [Int](repeating: 1, count: 1000))
    }
}

final class KernelArithmeticTests: XCTestCase {
    var generator = SplitMix64(seed: 11)

    func randomFloats(_ n: Int) -> [Float] { (0..<n).map { _ in Float.random(in: -1...1, using: &generator) } }

    /// The tiled sum must be exactly the scalar "sum the rows in order, then add" for every
    /// width, including the 128-wide tiles, the 16-wide tail and the scalar tail.
    func testAccumulateRowsEqualsTheScalarDefinitionBitForBit() {
        for width in [1, 10, 16, 100, 128, 400, 401] {
            let rows = 30
            let matrix = randomFloats(rows * width)
            let indices: [Int32] = [3, 0, 29, 7, 7, 12]
            var fast = randomFloats(width)
            var expected = fast
            for k in 0..<width {
                var sum: Float = 0
                for j in indices { sum += matrix[Int(j) * width + k] }
                expected[k] += sum
            }
            fast.withUnsafeMutableBufferPointer { out in
                matrix.withUnsafeBufferPointer { m in
                    indices.withUnsafeBufferPointer { idx in
                        accumulateRows(into: out.baseAddress!, rows: m.baseAddress!, rowStride: width, indices: idx, count: width)
                    }
                }
            }
            XCTAssertEqual(fast, expected, "width \(width)")
        }
    }

    func testAdamRowUpdateMatchesTheDefinition() {
        let n = 37
        let w0 = randomFloats(n), e = randomFloats(n), c = randomFloats(n), r = randomFloats(n).map { abs($0) * 0.1 }
        let m0 = randomFloats(n).map { $0 * 0.01 }, v0 = randomFloats(n).map { abs($0) * 0.001 }
        let step = AdamStep(beta1: 0.9, beta2: 0.999, epsilon: 1e-8, learningRate: 0.001, firstCorrection: 10, secondCorrection: 1000)
        for silent in [false, true] {
            var w = w0, m = m0, v = v0
            var sums = [Float](repeating: 0, count: n), squares = [Float](repeating: 0, count: n)
            w.withUnsafeMutableBufferPointer { wp in
                m.withUnsafeMutableBufferPointer { mp in
                    v.withUnsafeMutableBufferPointer { vp in
                        sums.withUnsafeMutableBufferPointer { sp in
                            squares.withUnsafeMutableBufferPointer { qp in
                                e.withUnsafeBufferPointer { ep in
                                    adamUpdate(weights: wp.baseAddress!, spsp: silent ? nil : ep.baseAddress!, first: mp.baseAddress!,
                                               second: vp.baseAddress!, coefficient: c, regularizer: r, count: n, step: step,
                                               sums: sp.baseAddress!, squares: qp.baseAddress!)
                                }
                            }
                        }
                    }
                }
            }
            for k in 0..<n {
                let g = silent ? r[k] * w0[k] : c[k] * e[k] + r[k] * w0[k]
                let mk = 0.9 * m0[k] + (1 - 0.9) * g
                let vk = 0.999 * v0[k] + (1 - 0.999) * g * g
                let wk = w0[k] - 0.001 * (mk * 10) / ((vk * 1000).squareRoot() + 1e-8)
                XCTAssertEqual(m[k], mk, "m[\(k)]")
                XCTAssertEqual(v[k], vk, "v[\(k)]")
                XCTAssertEqual(w[k], wk, accuracy: 1e-7, "w[\(k)]")
                XCTAssertEqual(sums[k], w[k], "the new weight is summed")
                XCTAssertEqual(squares[k], w[k] * w[k])
            }
        }
    }

    func testDotProductsAgreeWithScalarSums() {
        for n in [0, 5, 16, 33, 800] {
            let a = randomFloats(n), b = randomFloats(n), c = randomFloats(n)
            let scalarDot = zip(a, b).reduce(Float(0)) { $0 + $1.0 * $1.1 }
            let scalarTriple = (0..<n).reduce(Float(0)) { $0 + a[$1] * b[$1] * c[$1] }
            XCTAssertEqual(dot(a, b, count: n), scalarDot, accuracy: 1e-4)
            XCTAssertEqual(weightedDot(a, b, c, count: n), scalarTriple, accuracy: 1e-4)
        }
    }

    func testSplitMixIsSeededAndDeterministic() {
        var a = SplitMix64(seed: 42), b = SplitMix64(seed: 42), c = SplitMix64(seed: 43)
        let first = (0..<5).map { _ in a.next() }
        XCTAssertEqual(first, (0..<5).map { _ in b.next() })
        XCTAssertNotEqual(first, (0..<5).map { _ in c.next() })
        XCTAssertEqual(SplitMix64(seed: 0).state, 0)
    }
}
