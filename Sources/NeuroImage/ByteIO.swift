/// Little-endian writing for the encoder.
struct ByteWriter {
    var bytes: [UInt8] = []

    mutating func u8(_ v: Int) { bytes.append(UInt8(truncatingIfNeeded: v)) }
    mutating func u16(_ v: Int) { for s in stride(from: 0, to: 16, by: 8) { bytes.append(UInt8(truncatingIfNeeded: v >> s)) } }
    mutating func u32(_ v: UInt32) { for s in stride(from: 0, to: 32, by: 8) { bytes.append(UInt8(truncatingIfNeeded: v >> UInt32(s))) } }
    mutating func u32(_ v: Int) { u32(UInt32(truncatingIfNeeded: v)) }
    mutating func i32(_ v: Int64) { u32(UInt32(bitPattern: Int32(truncatingIfNeeded: v))) }
    mutating func f32(_ v: Float) { u32(v.bitPattern) }
    mutating func raw(_ v: [UInt8]) { bytes += v }
    mutating func string(_ s: String) {
        let utf8 = Array(s.utf8)
        u32(utf8.count)
        bytes += utf8
    }
}

/// Bounds-checked little-endian reading: every read past the end throws, and every count is
/// checked against the bytes left before anything is allocated for it.
struct ByteReader {
    let bytes: ArraySlice<UInt8>
    private(set) var offset: Int
    let section: String

    init(_ bytes: ArraySlice<UInt8>, section: String) {
        self.bytes = bytes
        self.offset = bytes.startIndex
        self.section = section
    }

    var remaining: Int { bytes.endIndex - offset }
    var isAtEnd: Bool { offset == bytes.endIndex }

    func fail(_ reason: String) -> ImageError { ImageError(section: section, reason: reason) }

    mutating func take(_ count: Int, _ field: String) throws -> ArraySlice<UInt8> {
        guard count >= 0, count <= remaining else {
            throw fail("\(field): needs \(count) bytes but only \(remaining) remain (truncated or damaged)")
        }
        defer { offset += count }
        return bytes[offset..<(offset + count)]
    }

    mutating func u8(_ field: String) throws -> Int { Int(try take(1, field).first!) }

    mutating func u16(_ field: String) throws -> Int {
        let b = try take(2, field)
        return Int(b[b.startIndex]) | Int(b[b.startIndex + 1]) << 8
    }

    mutating func u32(_ field: String) throws -> UInt32 {
        let b = try take(4, field)
        var v: UInt32 = 0
        for k in 0..<4 { v |= UInt32(b[b.startIndex + k]) << (8 * UInt32(k)) }
        return v
    }

    mutating func int(_ field: String) throws -> Int { Int(try u32(field)) }
    mutating func i32(_ field: String) throws -> Int64 { Int64(Int32(bitPattern: try u32(field))) }
    mutating func f32(_ field: String) throws -> Float { Float(bitPattern: try u32(field)) }

    /// A count of items of at least `itemBytes` each, refused when the rest cannot hold them.
    mutating func count(_ field: String, itemBytes: Int) throws -> Int {
        let n = try int(field)
        guard n <= remaining / max(itemBytes, 1) else {
            throw fail("\(field): \(n) items of \(itemBytes) bytes do not fit in the \(remaining) bytes left")
        }
        return n
    }

    mutating func string(_ field: String) throws -> String {
        let length = try count(field, itemBytes: 1)
        guard let text = String(validating: try take(length, field), as: UTF8.self) else {
            throw fail("\(field): not valid UTF-8")
        }
        return text
    }
}
