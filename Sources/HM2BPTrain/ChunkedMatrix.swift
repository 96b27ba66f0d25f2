/// A rows x columns float matrix stored as one 64-byte aligned block per column chunk (each
/// chunk row padded to whole cache lines).
///
/// The backward pass splits every layer by neuron (column) over the cores; with one row-major
/// array the two cores would write the same cache line at every row's chunk boundary, and the
/// memory-bound Adam sweep would spend its time moving those lines between cores.
final class ChunkedMatrix {
    let rows: Int
    let chunks: [Range<Int>]
    /// Floats per stored row of each chunk (the chunk width rounded up to 16).
    let strides: [Int]
    private let blocks: [UnsafeMutablePointer<Float>]

    init(rows: Int, chunks: [Range<Int>]) {
        self.rows = rows
        self.chunks = chunks
        strides = chunks.map { ($0.count + 15) / 16 * 16 }
        blocks = zip(chunks, strides).map { _, stride in
            let raw = UnsafeMutableRawPointer.allocate(byteCount: max(1, rows * stride) * 4, alignment: 64)
            let block = raw.bindMemory(to: Float.self, capacity: rows * stride)
            block.initialize(repeating: 0, count: rows * stride)
            return block
        }
    }

    deinit { blocks.forEach { UnsafeMutableRawPointer($0).deallocate() } }

    /// Row j of chunk c: `chunks[c].count` floats.
    @inline(__always)
    func row(_ j: Int, chunk c: Int) -> UnsafeMutablePointer<Float> { blocks[c] + j * strides[c] }

    /// Element (row j, column i).
    func element(_ j: Int, _ i: Int) -> Float {
        let c = chunks.firstIndex { $0.contains(i) }!
        return row(j, chunk: c)[i - chunks[c].lowerBound]
    }

    /// The matrix in row-major order (for checkpoints).
    func rowMajor() -> [Float] {
        let columns = chunks.last?.upperBound ?? 0
        var result = [Float](repeating: 0, count: rows * columns)
        for (c, range) in chunks.enumerated() {
            for j in 0..<rows {
                let source = row(j, chunk: c)
                for k in 0..<range.count { result[j * columns + range.lowerBound + k] = source[k] }
            }
        }
        return result
    }

    /// Loads a row-major matrix of the same shape.
    func load(rowMajor values: [Float]) {
        let columns = chunks.last?.upperBound ?? 0
        precondition(values.count == rows * columns, "matrix shape mismatch")
        for (c, range) in chunks.enumerated() {
            for j in 0..<rows {
                let target = row(j, chunk: c)
                for k in 0..<range.count { target[k] = values[j * columns + range.lowerBound + k] }
            }
        }
    }
}
