import Foundation
import SpikeModel

/// The binary spike-train file of golden vectors (docs/golden-format.md), little-endian:
/// "HM2BPSPK", u32 version 1, u32 neuronCount, u32 timeSteps, then per step u32 count and
/// count u32 neuron indices (ascending), then u32 CRC32 (zlib) of every byte before it.
public enum SpikeFile {
    static let magic = Array("HM2BPSPK".utf8)

    public static func encode(_ raster: SpikeRaster) -> [UInt8] {
        var bytes = magic
        func u32(_ v: Int) { withUnsafeBytes(of: UInt32(v).littleEndian) { bytes.append(contentsOf: $0) } }
        u32(1); u32(raster.neuronCount); u32(raster.filledSteps)
        for t in 0..<raster.filledSteps {
            let firing = raster.firing(at: t)
            u32(firing.count)
            for n in firing { u32(Int(n)) }
        }
        u32(Int(crc32Of(bytes[...])))
        return bytes
    }

    /// Reads a file written by `encode`; any damage is an error naming `name`.
    public static func decode(_ bytes: [UInt8], name: String) throws -> SpikeRaster {
        func fail(_ reason: String) -> VerifyError { VerifyError("\(name): \(reason)") }
        guard bytes.count >= 24, Array(bytes[0..<8]) == magic else { throw fail("not an hm2bp spike file") }
        var offset = 8
        func u32() throws -> Int {
            guard offset + 4 <= bytes.count - 4 else { throw fail("truncated") }
            defer { offset += 4 }
            return Int(bytes[offset]) | Int(bytes[offset + 1]) << 8 | Int(bytes[offset + 2]) << 16 | Int(bytes[offset + 3]) << 24
        }
        let stored = bytes.suffix(4).reversed().reduce(0) { $0 << 8 | UInt32($1) }
        guard crc32Of(bytes.dropLast(4)) == stored else { throw fail("CRC32 mismatch") }
        guard try u32() == 1 else { throw fail("unknown version") }
        let neurons = try u32(), steps = try u32()
        guard steps <= (bytes.count - offset) / 4 else { throw fail("more steps than bytes") }
        var raster = SpikeRaster(neuronCount: neurons, timeSteps: steps)
        for _ in 0..<steps {
            let count = try u32()
            guard count <= (bytes.count - offset) / 4 else { throw fail("truncated") }
            var step: [Int32] = []
            for _ in 0..<count {
                let n = try u32()
                guard n < neurons, step.last.map({ Int($0) < n }) ?? true else { throw fail("neuron \(n) out of range or out of order") }
                step.append(Int32(n))
            }
            raster.appendStep(step)
        }
        guard offset == bytes.count - 4 else { throw fail("unexpected bytes after the last step") }
        return raster
    }
}
