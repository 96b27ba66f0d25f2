import SpikeModel

/// Rate coding of static images (algorithm section 2): a pixel p fires at step t = 1 … T-1
/// independently with probability q = p / (5.5·255); step 0 and zero pixels never fire.
///
/// The trains of a sample depend only on (seed, sampleIndex, pixels), so the trainer can redraw
/// them every epoch and get exactly the trains the reference draws once at load time, without
/// storing 60,000 rasters.
public struct PoissonEncoder: Sendable {
    public let timeSteps: Int
    public let seed: UInt64

    /// `spikeThreshold[p]`: draw u = k·2⁻²⁴ from the top 24 bits; u < q(p) ⇔ k < spikeThreshold[p].
    /// Exact, because k·2⁻²⁴ is exact in Float and Double: the threshold is ⌈q·2²⁴⌉ with q in Float.
    private let spikeThreshold: [UInt32]

    public init(timeSteps: Int, seed: UInt64) {
        precondition(timeSteps >= 0, "timeSteps must not be negative")
        self.timeSteps = timeSteps
        self.seed = seed
        spikeThreshold = (0...255).map { p in
            let q = Float(p) / Float(5.5 * 255)
            return UInt32((Double(q) * 16_777_216).rounded(.up))
        }
    }

    /// Spike probability per step of a pixel value.
    public static func probability(_ pixel: UInt8) -> Float { Float(pixel) / Float(5.5 * 255) }

    /// One raster of pixels.count neurons: time-major, ascending pixel index within a step.
    public func encode(_ pixels: ArraySlice<UInt8>, sampleIndex: Int) -> SpikeRaster {
        var active: [Int32] = []
        var thresholds: [UInt32] = []
        active.reserveCapacity(pixels.count)
        thresholds.reserveCapacity(pixels.count)
        for (offset, p) in pixels.enumerated() where p != 0 {
            active.append(Int32(offset))
            thresholds.append(spikeThreshold[Int(p)])
        }
        let expected = thresholds.reduce(0) { $0 + Int($1) } * max(0, timeSteps - 1) >> 24
        var raster = SpikeRaster(neuronCount: pixels.count, timeSteps: timeSteps, reservingEvents: expected + expected / 8 + 16)
        guard timeSteps > 0 else { return raster }
        raster.appendStep(EmptyCollection<Int32>())

        var rng = Xoshiro256(seed: seed, stream: UInt64(bitPattern: Int64(sampleIndex)))
        var firing = [Int32](repeating: 0, count: active.count + 1)
        let count = active.count
        active.withUnsafeBufferPointer { active in
            thresholds.withUnsafeBufferPointer { thresholds in
                firing.withUnsafeMutableBufferPointer { firing in
                    for _ in 1..<timeSteps {
                        var fired = 0
                        var i = 0
                        // Two 24-bit uniforms per 64-bit draw (bits 63…40 and 39…16); the store is
                        // unconditional and only the count advances, so there is no branch to mispredict.
                        while i + 1 < count {
                            let r = rng.next()
                            firing[fired] = active[i]
                            fired &+= UInt32(r >> 40) < thresholds[i] ? 1 : 0
                            firing[fired] = active[i + 1]
                            fired &+= UInt32(truncatingIfNeeded: r >> 16) & 0xFF_FFFF < thresholds[i + 1] ? 1 : 0
                            i += 2
                        }
                        if i < count {
                            let r = rng.next()
                            firing[fired] = active[i]
                            fired &+= UInt32(r >> 40) < thresholds[i] ? 1 : 0
                        }
                        raster.appendStep(UnsafeBufferPointer(rebasing: firing[0..<fired]))
                    }
                }
            }
        }
        return raster
    }
}
