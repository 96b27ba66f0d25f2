import Crypto

enum Checksum {
    static func md5Hex(_ bytes: [UInt8]) -> String { hex(Insecure.MD5.hash(data: bytes)) }
    static func sha256Hex(_ bytes: [UInt8]) -> String { hex(SHA256.hash(data: bytes)) }

    private static func hex<D: Sequence>(_ digest: D) -> String where D.Element == UInt8 {
        digest.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
    }

    /// Throws `checksumMismatch` naming `file` unless the MD5 of `bytes` is `expected`.
    static func requireMD5(_ bytes: [UInt8], _ expected: String, file: String) throws {
        let actual = md5Hex(bytes)
        guard actual == expected else {
            throw DataError.checksumMismatch(file: file, algorithm: "MD5", expected: expected, actual: actual)
        }
    }

    static func requireSHA256(_ bytes: [UInt8], _ expected: String, file: String) throws {
        let actual = sha256Hex(bytes)
        guard actual == expected else {
            throw DataError.checksumMismatch(file: file, algorithm: "SHA-256", expected: expected, actual: actual)
        }
    }
}
