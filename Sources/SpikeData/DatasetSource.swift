import Foundation

/// Fetches a whole data set from its fresh-machine source into the data directory. Files are
/// unpacked into a staging folder next to their destination, verified, then renamed into place,
/// so the data directory never holds a half-written or unverified file.
enum DatasetSource {
    static func fetch(_ name: DatasetName, into destination: String, log: (String) -> Void) throws -> [String: String] {
        let manager = FileManager.default
        let staging = destination + "/.fetch-" + UUID().uuidString
        do {
            try manager.createDirectory(atPath: staging, withIntermediateDirectories: true)
        } catch {
            throw DataError.unreadable(file: staging, reason: "cannot create the staging folder: \(error)")
        }
        defer { try? manager.removeItem(atPath: staging) }

        let extracted: [String: String]
        switch name {
        case .mnist: extracted = try MNISTWheel.extract(into: staging, log: log)
        case .fashionMNIST: extracted = try FashionMNISTPackage.extract(into: staging, log: log)
        case .nmnist: throw DataError.notFetched(dataset: name.rawValue)
        }

        var stored: [String: String] = [:]
        for file in name.files {
            guard let path = extracted[file.name] else {
                throw DataError.fetchFailed(dataset: name.rawValue, step: "unpacking", reason: "\(file.name) is missing from the download")
            }
            try Checksum.requireMD5(FileBytes.read(path), file.contentMD5, file: path)
            let final = destination + "/" + file.name + (path.hasSuffix(".gz") ? ".gz" : "")
            guard rename(path, final) == 0 else {
                throw DataError.unreadable(file: final, reason: "cannot move into place: \(String(cString: strerror(errno)))")
            }
            log("stored \(final) (MD5 verified)")
            stored[file.name] = final
        }
        return stored
    }
}
