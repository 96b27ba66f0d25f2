import Dispatch
#if canImport(Glibc)
import Glibc
#endif

/// Splits `0..<count` into contiguous chunks and runs them on all cores.
///
/// Chunks are aligned to `alignment` elements so SIMD loops over a chunk start on a vector
/// boundary. With one chunk the body runs inline, with no dispatch overhead.
public enum Parallel {
    /// Worker count used by every parallel kernel: HM2BP_WORKERS when set, else the machine's
    /// online cores.
    public static var workerCount: Int = {
        if let text = getenv("HM2BP_WORKERS").map({ String(cString: $0) }), let count = Int(text), count >= 1 { return count }
        return onlineCoreCount()
    }()

    public static func chunks(of count: Int, alignment: Int = 16, maximum: Int = Parallel.workerCount) -> [Range<Int>] {
        let workers = max(1, min(maximum, (count + alignment - 1) / max(1, alignment)))
        if workers <= 1 { return [0..<count] }
        var result: [Range<Int>] = []
        var start = 0
        for w in 0..<workers {
            let even = (count * (w + 1)) / workers
            let end = w == workers - 1 ? count : min(count, (even + alignment - 1) / alignment * alignment)
            if end > start { result.append(start..<end) }
            start = max(start, end)
        }
        return result
    }

    /// Runs `body(chunkIndex, range)` once per chunk, concurrently.
    public static func forEach(_ ranges: [Range<Int>], _ body: (Int, Range<Int>) -> Void) {
        if ranges.count == 1 { body(0, ranges[0]); return }
        DispatchQueue.concurrentPerform(iterations: ranges.count) { body($0, ranges[$0]) }
    }

    static func onlineCoreCount() -> Int {
        #if canImport(Glibc)
        return max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
        #else
        return 1
        #endif
    }
}
