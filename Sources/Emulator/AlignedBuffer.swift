/// A fixed-size, zero-initialised buffer on a 64-byte boundary: SIMD loads and stores of the
/// accumulators and states then never split a cache line (unaligned accumulators cost about
/// 30 % in the integer kernel, docs/performance-notes).
final class AlignedBuffer<Element: FixedWidthInteger> {
    let count: Int
    let pointer: UnsafeMutablePointer<Element>

    init(count: Int, value: Element = 0) {
        self.count = count
        let raw = UnsafeMutableRawPointer.allocate(byteCount: max(count, 1) * MemoryLayout<Element>.stride, alignment: 64)
        pointer = raw.bindMemory(to: Element.self, capacity: max(count, 1))
        pointer.initialize(repeating: value, count: max(count, 1))
    }

    deinit { UnsafeMutableRawPointer(pointer).deallocate() }

    func fill(_ value: Element) { pointer.update(repeating: value, count: count) }
}
