/// Eight independent xoshiro256** generators in SIMD lanes, stepped together: the encoder's
/// uniforms come sixteen at a time without a scalar loop. Lane k takes words 4k … 4k+3 of the
/// SplitMix64 sequence started at the (seed, stream) key; the key hashes the stream number, so
/// neighbouring sample indices get unrelated generator states.
public struct Xoshiro256x8: Sendable {
    private var s0: SIMD8<UInt64>, s1: SIMD8<UInt64>, s2: SIMD8<UInt64>, s3: SIMD8<UInt64>

    public init(seed: UInt64, stream: UInt64 = 0) {
        var splitMix = SplitMix64(state: SplitMix64.key(seed: seed, stream: stream))
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

struct SplitMix64 {
    /// The generator key of (seed, stream): a bijection of the stream for a fixed seed, so
    /// neighbouring streams (sample indices) start at unrelated points.
    static func key(seed: UInt64, stream: UInt64) -> UInt64 { mix(mix(seed &+ golden) &+ stream) }

    static let golden: UInt64 = 0x9E37_79B9_7F4A_7C15
    var state: UInt64

    mutating func next() -> UInt64 {
        state &+= Self.golden
        return Self.mix(state)
    }

    /// The SplitMix64 finalizer: a bijection on UInt64 with full avalanche.
    static func mix(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
