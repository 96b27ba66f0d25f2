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
        guard timeSteps > 0 else { return SpikeRaster(neuronCount: pixels.count, timeSteps: 0) }
        // Events are gathered into plain arrays and handed over whole: appending step by step
        // through the raster's generic API costs a third of the encoding time.
        var neurons: [Int32] = []
        neurons.reserveCapacity(expected + expected / 8 + 16)
        var stepStarts: [Int32] = [0, 0]
        stepStarts.reserveCapacity(timeSteps + 1)

        // Thresholds in 16-pixel blocks of two 8-lane halves, padded with 0 (no uniform is below 0).
        let blocks = (active.count + 15) / 16
        var thresholdHalves = [SIMD8<UInt64>](repeating: .zero, count: 2 * blocks)
        for (i, threshold) in thresholds.enumerated() { thresholdHalves[i / 8][i % 8] = UInt64(threshold) }
        let generator = Xoshiro256x8(seed: seed, stream: UInt64(bitPattern: Int64(sampleIndex)))
        var firing = [Int32](repeating: 0, count: active.count)
        active.withUnsafeBufferPointer { active in
            thresholdHalves.withUnsafeBufferPointer { thresholdHalves in
                firing.withUnsafeMutableBufferPointer { firing in
                    var rng = generator  // a local copy stays in registers; a captured var lives in memory
                    let lowLanes = SIMD8<UInt64>(0, 1, 2, 3, 4, 5, 6, 7)
                    let highLanes = lowLanes &+ 8
                    for _ in 1..<timeSteps {
                        var fired = 0
                        var block = 0
                        while block < blocks {
                            // Up to four blocks share one 64-bit firing mask, so the bit loop below
                            // mispredicts its exit once per 64 pixels rather than once per block.
                            var mask: UInt64 = 0
                            let group = block
                            while block < blocks && block - group < 4 {
                                // One 8-lane draw gives 16 uniforms: bits 63…40 for pixels 0…7 of
                                // the block, bits 39…16 for pixels 8…15. u < threshold ⇔ the
                                // 64-bit difference wraps (both are below 2²⁴).
                                let r = rng.next()
                                let low = ((r &>> 40) &- thresholdHalves[2 * block]) &>> 63
                                let high = (((r &>> 16) & 0xFF_FFFF) &- thresholdHalves[2 * block + 1]) &>> 63
                                let word = ((low &<< lowLanes) | (high &<< highLanes)).wrappedSum()
                                mask |= word << UInt64(16 * (block - group))
                                block += 1
                            }
                            let base = group * 16
                            while mask != 0 {
                                firing[fired] = active[base + mask.trailingZeroBitCount]
                                fired += 1
                                mask &= mask &- 1
                            }
                        }
                        neurons.append(contentsOf: UnsafeBufferPointer(rebasing: firing[0..<fired]))
                        stepStarts.append(Int32(neurons.count))
                    }
                }
            }
        }
        return SpikeRaster(neuronCount: pixels.count, timeSteps: timeSteps, stepStarts: stepStarts, neurons: neurons)
    }
}
