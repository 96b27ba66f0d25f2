import Foundation
import SpikeData
import SystemZlib

/// Real MNIST for the tests, found the way a user finds it: the read-only mirror named by
/// `HM2BP_DATA_MIRROR` when one is set (this team's machines and CI's second pass), else the
/// default data directory (`HM2BP_DATA_DIR`, or `~/.cache/hm2bp/data`) after `hm2bp data
/// fetch mnist`'s own code has fetched and verified it there once (a fresh clone, CI's first
/// pass). A failed fetch fails the tests that need the data, with the fetch's error; nothing skips.
public enum RealData {
    /// A folder that serves as a data mirror with verified MNIST in `<root>/mnist/`.
    public static var mnistRoot: String {
        get throws { try mnist.get() }
    }

    /// The path of one MNIST file under `mnistRoot` (`name` without ".gz"): gzip'd in a mirror,
    /// plain where the fetch unpacked it.
    public static func mnistFile(_ name: String) throws -> String {
        let base = try mnistRoot + "/mnist/" + name
        return FileManager.default.fileExists(atPath: base + ".gz") ? base + ".gz" : base
    }

    /// The gzip'd bytes of one MNIST file (`name` without ".gz"), as a mirror holds them.
    public static func gzippedMNISTFile(_ name: String) throws -> Data {
        let path = try mnistFile(name)
        if path.hasSuffix(".gz") { return try Data(contentsOf: URL(fileURLWithPath: path)) }
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        let temporary = NSTemporaryDirectory() + "hm2bp-realdata-\(UUID().uuidString).gz"
        defer { try? FileManager.default.removeItem(atPath: temporary) }
        guard let file = gzopen(temporary, "wb") else { throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: temporary]) }
        let written = bytes.withUnsafeBytes { gzwrite(file, $0.baseAddress, UInt32($0.count)) }
        guard gzclose(file) == Z_OK, written == bytes.count else { throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: temporary]) }
        return try Data(contentsOf: URL(fileURLWithPath: temporary))
    }

    private static let mirror: String? = {
        let value = ProcessInfo.processInfo.environment["HM2BP_DATA_MIRROR"] ?? ""
        return value.isEmpty ? nil : value
    }()

    /// Evaluated once per test process: the fetch runs at most once.
    private static let mnist: Result<String, Error> = Result {
        if let mirror { return mirror }
        let store = DataStore()
        try store.fetch(.mnist) { FileHandle.standardError.write(Data("RealData: \($0)\n".utf8)) }
        return store.directory
    }
}
