import Crypto

/// SHA-256 for the other modules (the image records the hashes of the model and target files).
public enum Digest {
    public static func sha256(_ bytes: [UInt8]) -> [UInt8] { Array(SHA256.hash(data: bytes)) }
}
