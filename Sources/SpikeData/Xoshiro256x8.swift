import Kernels
/// Eight independent xoshiro256** generators in SIMD lanes, stepped together: the encoder's
/// uniforms come sixteen at a time without a scalar loop. Lane k takes words 4k … 4k+3 of the
/// SplitMix64 sequence started at the (seed, stream) key; the key hashes the stream number, so
/// neighbouring sample indices get unrelated generator states.
public struct Xoshiro256x8: Sendable {
    private var s0: SIMD8<UInt64>, s1: SIMD8<UInt64>, s2: SIMD8<UInt64>, s3: SIMD8<UInt64>

    public init(seed: UInt64, stream: UInt64 = 0) {
        var splitMix = SplitMix64(seed: streamKey(seed: seed, stream: stream))
        var words = [[UInt64]](repeating: [UInt64](repeating: 0, count: 8), count: 4)
        for lane in 0..<8 {
            for word in 0..<4 { words[word][lane] = splitMix.next() }
        }
        s0 = SIMD8(words[0]); s1 = SIMD8(words[1]); s2 = SIMD8(words[2]); s3 = SIMD8(words[3])
    }

    @inline(__always)
    public mutating func next() -> SIMD8<UInt64> {
        let scaled = s1 &+ (s1 &<< 2)  // s1 * 5
        let rotated = (scaled &<< 7) | (scaled &>> 57)
        let result = rotated &+ (rotated &<< 3)  // * 9
        let t = s1 &<< 17
        s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3
        s2 ^= t
        s3 = (s3 &<< 45) | (s3 &>> 19)
        return result
    }
}

/// The generator key of (seed, stream): a bijection of the stream for a fixed seed, so
/// neighbouring streams (sample indices) start at unrelated points.
func streamKey(seed: UInt64, stream: UInt64) -> UInt64 {
    SplitMix64.mix(SplitMix64.mix(seed &+ SplitMix64.increment) &+ stream)
}
