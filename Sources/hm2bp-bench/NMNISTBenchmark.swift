import Foundation
import Kernels
import SpikeData

/// N-MNIST input (docs/data.md): one recording decoded and converted (stabilization, 600 µs
/// bins, collapsing) in memory, then a folder laid out like the official archives read whole by
/// `NMNISTFolder` (listing and checks, reads, conversion on all cores).
/// `hm2bp-bench nmnist [RECORDING [COPIES_PER_DIGIT]]`; default the committed real recording
/// (run from the repository root) and 100 copies per digit (1,000 recordings).
enum NMNISTBenchmark {
    static func run(_ arguments: [String]) throws {
        let path = arguments.first ?? "Tests/SpikeDataTests/Fixtures/sample_nmnist.bin"
        let copies = arguments.dropFirst().first.flatMap(Int.init) ?? 100
        guard (1...10_000).contains(copies) else { throw BenchmarkError("copies per digit must be 1 ... 10000") }
        let bytes = try FileBytes.read(path)
        let events = try NMNIST.decodeEvents(bytes, file: path)
        print("machine: \(ProcessInfo.processInfo.activeProcessorCount) cores; workers \(Parallel.workerCount)")
        print("recording: \(path), \(events.count) events, \(NMNIST.raster(events).totalSpikes) spikes after conversion")

        // In memory, one core: best and median of 7 rounds of 500 conversions.
        var rounds: [Double] = []
        var spikes = 0
        for _ in 0..<7 {
            let start = Date()
            for _ in 0..<500 { spikes &+= NMNIST.raster(try NMNIST.decodeEvents(bytes, file: path)).totalSpikes }
            rounds.append(Date().timeIntervalSince(start) / 500)
        }
        rounds.sort()
        print(String(format: "decode + convert, one core: best %.1f µs, median %.1f µs per recording (checksum %d)",
                     rounds[0] * 1e6, rounds[3] * 1e6, spikes))

        // A folder of copies under every digit, read as `--data` reads it.
        let root = NSTemporaryDirectory() + "hm2bp-bench-nmnist-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: root) }
        for digit in 0...9 {
            let folder = "\(root)/Test/\(digit)"
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            for i in 0..<copies { try Data(bytes).write(to: URL(fileURLWithPath: String(format: "%@/%05d.bin", folder, i))) }
        }
        var loads: [Double] = []
        for _ in 0..<5 {
            let start = Date()
            let loaded = try NMNISTFolder(root: root).load(.test)
            loads.append(Date().timeIntervalSince(start))
            precondition(loaded.count == 10 * copies)
        }
        loads.sort()
        print(String(format: "folder of %d recordings, all cores: best %.3f s, median %.3f s (%.0f µs per recording, best)",
                     10 * copies, loads[0], loads[2], loads[0] / Double(10 * copies) * 1e6))
    }
}

struct BenchmarkError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
