import Foundation
import SystemZlib

/// Reads a whole file, transparently gunzipping it when it is gzip data (zlib's gzread copies
/// plain files through unchanged). The buffer only grows with data actually read, so a hostile
/// length field inside the file can never make us allocate more than the file really yields.
public enum FileBytes {
    /// Decompressed data beyond this is refused (a gzip bomb must not exhaust memory). The largest
    /// legitimate input, the 60,000 training images, is 47 MB.
    public static let defaultLimit = 1 << 30

    public static func read(_ path: String, limit: Int = defaultLimit) throws -> [UInt8] {
        guard let file = gzopen(path, "rb") else {
            throw DataError.unreadable(file: path, reason: String(cString: strerror(errno)))
        }
        var closed = false
        defer { if !closed { gzclose_r(file) } }
        _ = gzbuffer(file, 1 << 20)

        let chunk = 1 << 20
        var bytes: [UInt8] = []
        while true {
            if bytes.count > limit { throw DataError.tooLarge(file: path, limit: limit) }
            let start = bytes.count
            bytes.append(contentsOf: repeatElement(0, count: chunk))
            let got = bytes.withUnsafeMutableBytes { gzread(file, $0.baseAddress! + start, UInt32(chunk)) }
            if got < 0 { throw readError(file, path) }
            bytes.removeLast(chunk - Int(got))
            if got == 0 { break }
        }
        // A gzip stream cut short is reported only through the error state, not by gzread.
        var code: Int32 = 0
        _ = gzerror(file, &code)
        if code != Z_OK { throw readError(file, path) }
        closed = true
        let closeCode = gzclose_r(file)
        if closeCode == Z_BUF_ERROR {
            throw DataError.corruptGzip(file: path, reason: "unexpected end of the compressed stream")
        } else if closeCode != Z_OK {
            throw DataError.unreadable(file: path, reason: "close failed (zlib code \(closeCode))")
        }
        return bytes
    }

    /// An operating-system failure (e.g. the path is a folder) or bad compressed data.
    private static func readError(_ file: gzFile, _ path: String) -> DataError {
        var code: Int32 = 0
        let message = gzerror(file, &code).map { String(cString: $0) } ?? "zlib error \(code)"
        if code == Z_ERRNO { return .unreadable(file: path, reason: String(cString: strerror(errno))) }
        return .corruptGzip(file: path, reason: message)
    }
}
