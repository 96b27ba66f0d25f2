/// Parser for the IDX format of MNIST-like data sets: a big-endian magic number (two zero bytes,
/// the element type 0x08 = unsigned byte, the number of dimensions), one big-endian UInt32 per
/// dimension, then the elements. Sizes are checked against the bytes actually present before
/// anything is allocated from them.
public enum IDXFile {
    public static let imagesMagic: UInt32 = 0x0000_0803
    public static let labelsMagic: UInt32 = 0x0000_0801

    public struct Images: Sendable {
        public let count: Int
        public let rows: Int
        public let columns: Int
        public let pixels: [UInt8]
    }

    /// Parses IDX3 images (magic 0x00000803). `file` names the source in errors.
    public static func parseImages(_ bytes: [UInt8], file: String) throws -> Images {
        let dims = try header(bytes, file: file, magic: imagesMagic, dimensions: 3)
        let payload = try payloadRange(bytes, file: file, dimensions: dims)
        return Images(count: dims[0], rows: dims[1], columns: dims[2], pixels: Array(bytes[payload]))
    }

    /// Parses IDX1 labels (magic 0x00000801). `file` names the source in errors.
    public static func parseLabels(_ bytes: [UInt8], file: String) throws -> [UInt8] {
        let dims = try header(bytes, file: file, magic: labelsMagic, dimensions: 1)
        return Array(bytes[try payloadRange(bytes, file: file, dimensions: dims)])
    }

    /// Serializes images or labels back to IDX (used to write small fixtures and converted data).
    public static func encode(magic: UInt32, dimensions: [Int], elements: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(4 * (dimensions.count + 1) + elements.count)
        for word in [magic] + dimensions.map({ UInt32($0) }) {
            out += [UInt8(word >> 24), UInt8((word >> 16) & 0xFF), UInt8((word >> 8) & 0xFF), UInt8(word & 0xFF)]
        }
        return out + elements
    }

    private static func header(_ bytes: [UInt8], file: String, magic: UInt32, dimensions: Int) throws -> [Int] {
        let headerBytes = 4 * (dimensions + 1)
        if bytes.count < 4 {
            throw DataError.truncated(file: file, expectedBytes: headerBytes, actualBytes: bytes.count)
        }
        let found = word(bytes, at: 0)
        guard found == magic else { throw DataError.wrongMagic(file: file, found: found, expected: magic) }
        guard bytes.count >= headerBytes else {
            throw DataError.truncated(file: file, expectedBytes: headerBytes, actualBytes: bytes.count)
        }
        return (0..<dimensions).map { Int(word(bytes, at: 4 * ($0 + 1))) }
    }

    private static func payloadRange(_ bytes: [UInt8], file: String, dimensions: [Int]) throws -> Range<Int> {
        let headerBytes = 4 * (dimensions.count + 1)
        var total = 1
        for d in dimensions {
            let (product, overflow) = total.multipliedReportingOverflow(by: d)
            if overflow || product > Int(Int32.max) {
                throw DataError.badHeader(file: file, reason: "dimensions \(dimensions) describe more data than any file can hold")
            }
            total = product
        }
        if dimensions.count == 3 && (dimensions[1] == 0 || dimensions[2] == 0) {
            throw DataError.badHeader(file: file, reason: "image size \(dimensions[1])x\(dimensions[2]) is empty")
        }
        let expected = headerBytes + total
        if bytes.count < expected {
            throw DataError.truncated(file: file, expectedBytes: expected, actualBytes: bytes.count)
        }
        if bytes.count > expected {
            throw DataError.trailingBytes(file: file, expectedBytes: expected, actualBytes: bytes.count)
        }
        return headerBytes..<expected
    }

    private static func word(_ bytes: [UInt8], at offset: Int) -> UInt32 {
        UInt32(bytes[offset]) << 24 | UInt32(bytes[offset + 1]) << 16 | UInt32(bytes[offset + 2]) << 8 | UInt32(bytes[offset + 3])
    }
}
