/// Synapse memory packs each weight's low `bits` two's-complement bits, least significant bit
/// first, with no padding between weights (docs/image-format.md, SYNS).
enum WeightPacking {
    static func packedByteCount(weights: Int, bits: Int) -> Int { (weights * bits + 7) / 8 }

    static func pack(_ weights: [Int8], bits: Int) -> [UInt8] {
        if bits == 8 { return weights.map { UInt8(bitPattern: $0) } }
        var out = [UInt8](repeating: 0, count: packedByteCount(weights: weights.count, bits: bits))
        let mask = (1 << bits) - 1
        var bit = 0
        for w in weights {
            let field = Int(w) & mask
            for b in 0..<bits where field >> b & 1 == 1 {
                out[(bit + b) >> 3] |= UInt8(1 << ((bit + b) & 7))
            }
            bit += bits
        }
        return out
    }

    /// Unpacks `count` weights; the caller has checked that `packed` holds them.
    static func unpack(_ packed: ArraySlice<UInt8>, count: Int, bits: Int) -> [Int8] {
        if bits == 8 { return packed.prefix(count).map { Int8(bitPattern: $0) } }
        var out = [Int8](repeating: 0, count: count)
        let base = packed.startIndex
        let signBit = 1 << (bits - 1)
        var bit = 0
        for k in 0..<count {
            var field = 0
            for b in 0..<bits where packed[base + (bit + b) >> 3] >> UInt8((bit + b) & 7) & 1 == 1 {
                field |= 1 << b
            }
            out[k] = Int8(truncatingIfNeeded: field & signBit != 0 ? field - (signBit << 1) : field)
            bit += bits
        }
        return out
    }
}
