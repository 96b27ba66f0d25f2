/// Everything that can go wrong while reading or fetching data. Each case names the file (or the
/// data set and step) so that a user can see at once which input is bad and why.
public enum DataError: Error, CustomStringConvertible, Sendable {
    case unreadable(file: String, reason: String)
    case corruptGzip(file: String, reason: String)
    case tooLarge(file: String, limit: Int)
    case truncated(file: String, expectedBytes: Int, actualBytes: Int)
    case trailingBytes(file: String, expectedBytes: Int, actualBytes: Int)
    case wrongMagic(file: String, found: UInt32, expected: UInt32)
    case badHeader(file: String, reason: String)
    case countMismatch(imagesFile: String, images: Int, labelsFile: String, labels: Int)
    case checksumMismatch(file: String, algorithm: String, expected: String, actual: String)
    case badEventFileLength(file: String, length: Int)
    case fetchFailed(dataset: String, step: String, reason: String)
    case notFetched(dataset: String)

    public var description: String {
        switch self {
        case let .unreadable(file, reason):
            return "\(file): cannot read: \(reason)"
        case let .corruptGzip(file, reason):
            return "\(file): corrupt gzip data: \(reason)"
        case let .tooLarge(file, limit):
            return "\(file): decompressed data exceeds the \(limit)-byte limit"
        case let .truncated(file, expected, actual):
            return "\(file): truncated: header promises \(expected) bytes, file holds \(actual)"
        case let .trailingBytes(file, expected, actual):
            return "\(file): \(actual - expected) unexpected bytes after the \(expected) bytes the header describes"
        case let .wrongMagic(file, found, expected):
            return "\(file): wrong magic number 0x\(hex8(found)), expected 0x\(hex8(expected))"
        case let .badHeader(file, reason):
            return "\(file): bad header: \(reason)"
        case let .countMismatch(imagesFile, images, labelsFile, labels):
            return "\(imagesFile) holds \(images) images but \(labelsFile) holds \(labels) labels"
        case let .checksumMismatch(file, algorithm, expected, actual):
            return "\(file): bad checksum: \(algorithm) of the content is \(actual), expected \(expected)"
                + " (delete the file and run `hm2bp data fetch` to get it again)"
        case let .badEventFileLength(file, length):
            return "\(file): \(length) bytes is not a whole number of 5-byte ATIS events (file truncated?)"
        case let .fetchFailed(dataset, step, reason):
            return "fetching \(dataset) failed while \(step): \(reason)"
        case let .notFetched(dataset):
            return "\(dataset) is not fetched by hm2bp: download and unpack it yourself and give its folder with --data DIR (docs/data.md)"
        }
    }
}

private func hex8(_ value: UInt32) -> String {
    let digits = String(value, radix: 16)
    return String(repeating: "0", count: max(0, 8 - digits.count)) + digits
}
