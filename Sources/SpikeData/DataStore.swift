import Foundation

/// Finds, verifies and (when missing) fetches the IDX data sets, then loads them.
///
/// Lookup order for each file: the read-only mirror (`<mirror>/<dataset>/<name>[.gz]`, read in
/// place, never written), then the data directory (`<directory>/<dataset>/<name>[.gz]`), then the
/// network route of `DatasetSource`, which lands files in the data directory atomically.
/// Every file is accepted only if the MD5 of its uncompressed content matches the pinned value.
public struct DataStore: Sendable {
    public let directory: String
    public let mirror: String?

    /// nil arguments fall back to `HM2BP_DATA_DIR` (default `~/.cache/hm2bp/data`) and `HM2BP_DATA_MIRROR`.
    public init(directory: String? = nil, mirror: String? = nil) {
        let environment = ProcessInfo.processInfo.environment
        func nonEmpty(_ value: String?) -> String? { value.flatMap { $0.isEmpty ? nil : $0 } }
        self.directory = nonEmpty(directory) ?? nonEmpty(environment["HM2BP_DATA_DIR"])
            ?? (FileManager.default.homeDirectoryForCurrentUser.path + "/.cache/hm2bp/data")
        self.mirror = nonEmpty(mirror) ?? nonEmpty(environment["HM2BP_DATA_MIRROR"])
    }

    /// Ensures all four files of `name` are present and verified; returns their paths in the
    /// order of `DatasetName.files`. Bad copies are reported through `log` and replaced by a fetch.
    @discardableResult
    public func fetch(_ name: DatasetName, log: (String) -> Void = { _ in }) throws -> [String] {
        guard name.isFetched else { throw DataError.notFetched(dataset: name.rawValue) }
        var found: [String?] = name.files.map { file in
            for path in candidates(name, file) {
                do {
                    try Checksum.requireMD5(FileBytes.read(path), file.contentMD5, file: path)
                    log("found \(path) (MD5 verified)")
                    return path
                } catch {
                    log("ignoring \(error)")
                }
            }
            return nil
        }
        if found.contains(where: { $0 == nil }) {
            let fetched = try DatasetSource.fetch(name, into: datasetDirectory(name), log: log)
            for (index, file) in name.files.enumerated() where found[index] == nil {
                found[index] = fetched[file.name]
            }
        }
        return found.map { $0! }
    }

    /// Loads one split (fetching the data set first if no copy is present), at most `limit` images.
    public func load(_ name: DatasetName, split: Split, limit: Int? = nil) throws -> LabeledImages {
        guard name.isFetched else { throw DataError.notFetched(dataset: name.rawValue) }
        let (imagesFile, labelsFile) = name.files(for: split)
        if candidates(name, imagesFile).isEmpty || candidates(name, labelsFile).isEmpty {
            try fetch(name)
        }
        let (imagesBytes, imagesPath) = try verifiedContent(name, imagesFile)
        let (labelsBytes, labelsPath) = try verifiedContent(name, labelsFile)
        let images = try IDXFile.parseImages(imagesBytes, file: imagesPath)
        let labels = try IDXFile.parseLabels(labelsBytes, file: labelsPath)
        let all = try LabeledImages(images: images, imagesFile: imagesPath, labels: labels, labelsFile: labelsPath)
        return limit.map { all.prefix($0) } ?? all
    }

    /// Where fetched files of `name` are stored.
    public func datasetDirectory(_ name: DatasetName) -> String { directory + "/" + name.rawValue }

    /// Existing copies of `file`, mirror first.
    func candidates(_ name: DatasetName, _ file: DatasetFile) -> [String] {
        let bases = [mirror, directory].compactMap { $0 }.map { $0 + "/" + name.rawValue + "/" + file.name }
        return bases.flatMap { [$0, $0 + ".gz"] }.filter { FileManager.default.fileExists(atPath: $0) }
    }

    /// The content of the first copy whose checksum matches; the first mismatch if none does.
    private func verifiedContent(_ name: DatasetName, _ file: DatasetFile) throws -> ([UInt8], String) {
        var firstError: Error?
        for path in candidates(name, file) {
            do {
                let bytes = try FileBytes.read(path)
                try Checksum.requireMD5(bytes, file.contentMD5, file: path)
                return (bytes, path)
            } catch {
                firstError = firstError ?? error
            }
        }
        throw firstError ?? DataError.unreadable(file: datasetDirectory(name) + "/" + file.name, reason: "no copy found")
    }
}
