import Foundation
import Kernels
import SpikeModel

/// The unpacked official N-MNIST (Orchard et al. 2015): `ROOT/Train/<digit>/<id>.bin` and
/// `ROOT/Test/<digit>/<id>.bin`, the digit folder being the label. Read in place, never written.
///
/// Everything about the folder is checked before a recording is read (docs/data.md, "N-MNIST"):
/// both split folders, all ten digit folders and nothing else in a split, only regular `.bin`
/// files in a digit folder, every file a whole number of 5-byte events within the size limit,
/// and the counts within the limits below. Every error names the path.
public struct NMNISTFolder: Sendable {
    /// What a folder may hold (docs/data.md). Reading stops with an error beyond any of them.
    public struct Limits: Sendable, Equatable {
        /// Recordings per split.
        public var filesPerSplit: Int
        /// Bytes per recording.
        public var fileBytes: Int
        /// Events read per split (of the recordings used, after a limit).
        public var eventsPerSplit: Int

        public init(filesPerSplit: Int, fileBytes: Int, eventsPerSplit: Int) {
            self.filesPerSplit = filesPerSplit
            self.fileBytes = fileBytes
            self.eventsPerSplit = eventsPerSplit
        }

        /// The official set has 60,000 training and 10,000 test recordings; 1 MiB is 209,715
        /// events, about 50 times the 4,325 of the committed sample (a recording covers three
        /// 105 ms saccades, a few thousand events); the converted rasters of a split are held in
        /// memory, at most 4 bytes per event, so 2^29 events bound them to 2 GiB.
        public static let standard = Limits(filesPerSplit: 100_000, fileBytes: 1 << 20, eventsPerSplit: 1 << 29)
    }
    /// The folder names of the official archives (`Train.zip`, `Test.zip`).
    public static func folderName(_ split: Split) -> String { split == .train ? "Train" : "Test" }

    /// One recording: its path and label.
    public struct Entry: Sendable, Equatable {
        public let path: String
        public let label: UInt8
        public let bytes: Int
    }

    public let root: String
    public let limits: Limits

    public init(root: String, limits: Limits = .standard) {
        self.root = root
        self.limits = limits
    }

    /// The recordings of a split in sample order. Files are listed per digit, sorted by name
    /// (byte order); sample k then takes the digits in turn (0, 1, ..., 9, 0, 1, ...), so the
    /// first N samples (`--limit N`) hold every digit, like a prefix of MNIST, instead of only
    /// zeros. Digits with fewer recordings drop out of the rotation when they run out.
    public func entries(_ split: Split) throws -> [Entry] {
        let manager = FileManager.default
        guard isDirectory(root) else {
            throw NMNISTFolderError(path: root, problem: manager.fileExists(atPath: root)
                ? "is not a folder; --data names the folder holding Train/ and Test/ of the unpacked N-MNIST"
                : "does not exist; --data names the folder holding Train/ and Test/ of the unpacked N-MNIST")
        }
        let splitFolder = root + "/" + Self.folderName(split)
        guard isDirectory(splitFolder) else {
            let archive = Self.folderName(split) + ".zip"
            let hint = manager.fileExists(atPath: root + "/" + archive) ? "; unzip \(archive) there first" : ""
            throw NMNISTFolderError(path: splitFolder, problem: "is missing: the unpacked N-MNIST has Train/ and Test/, each with one folder per digit 0 ... 9 (docs/data.md)" + hint)
        }
        let digits = (0...9).map(String.init)
        for name in try contents(of: splitFolder) where !digits.contains(name) {
            throw NMNISTFolderError(path: splitFolder + "/" + name, problem: "is not a digit folder 0 ... 9; \(Self.folderName(split))/ holds only those (remove it)")
        }
        var perDigit: [[Entry]] = []
        var total = 0
        for digit in digits {
            let folder = splitFolder + "/" + digit
            guard isDirectory(folder) else {
                throw NMNISTFolderError(path: folder, problem: "is missing: \(Self.folderName(split))/ needs one folder per digit 0 ... 9")
            }
            let names = try contents(of: folder).sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
            guard !names.isEmpty else { throw NMNISTFolderError(path: folder, problem: "holds no recordings (.bin files)") }
            total += names.count
            guard total <= limits.filesPerSplit else {
                throw NMNISTFolderError(path: splitFolder, problem: "holds more than \(limits.filesPerSplit) recordings, the limit (docs/data.md)")
            }
            perDigit.append(try names.map { try entry(folder + "/" + $0, label: UInt8(digit)!) })
        }
        var ordered: [Entry] = []
        ordered.reserveCapacity(total)
        for rank in 0..<(perDigit.map(\.count).max() ?? 0) {
            for digit in perDigit where rank < digit.count { ordered.append(digit[rank]) }
        }
        return ordered
    }

    /// The first `limit` recordings of a split (all when nil) converted to input spikes with
    /// `timeSteps` bins (`NMNIST.raster`), on all cores.
    public func load(_ split: Split, limit: Int? = nil, timeSteps: Int = NMNIST.timeSteps) throws -> LabeledRecordings {
        precondition(limit.map { $0 >= 0 } ?? true, "limit must not be negative")
        let chosen = Array(try entries(split).prefix(limit ?? Int.max))
        let events = chosen.reduce(0) { $0 + $1.bytes / 5 }
        guard events <= limits.eventsPerSplit else {
            throw NMNISTFolderError(path: root + "/" + Self.folderName(split),
                                    problem: "the recordings hold \(events) events, more than the limit of \(limits.eventsPerSplit) per split (docs/data.md); use fewer samples")
        }
        var results = [Result<SpikeRaster, NMNISTFolderError>?](repeating: nil, count: chosen.count)
        let blocks = Parallel.chunks(of: chosen.count, alignment: 1, maximum: max(1, chosen.count / 64))
        results.withUnsafeMutableBufferPointer { out in
            Parallel.forEach(blocks) { _, range in
                for i in range {
                    out[i] = Result { try raster(chosen[i], timeSteps: timeSteps) }
                        .mapError { ($0 as? NMNISTFolderError) ?? NMNISTFolderError(path: chosen[i].path, problem: "\($0)") }
                }
            }
        }
        let rasters = try results.map { try $0!.get() }
        return LabeledRecordings(rasters: rasters, labels: chosen.map(\.label), files: chosen.map(\.path), timeSteps: timeSteps)
    }

    /// Reads one recording (checked again: the file may have changed since it was listed).
    func raster(_ entry: Entry, timeSteps: Int) throws -> SpikeRaster {
        guard let handle = FileHandle(forReadingAtPath: entry.path) else {
            throw NMNISTFolderError(path: entry.path, problem: "cannot be read: \(String(cString: strerror(errno)))")
        }
        defer { try? handle.close() }
        let bytes: [UInt8]
        do {
            bytes = Array(try handle.read(upToCount: limits.fileBytes + 1) ?? Data())
        } catch {
            throw NMNISTFolderError(path: entry.path, problem: "cannot be read: \(error.localizedDescription)")
        }
        try checkLength(bytes.count, path: entry.path)
        let events = try NMNIST.decodeEvents(bytes, file: entry.path)
        return NMNIST.raster(events, timeSteps: timeSteps)
    }

    private func entry(_ path: String, label: UInt8) throws -> Entry {
        guard path.hasSuffix(".bin") else {
            throw NMNISTFolderError(path: path, problem: "is not a recording: a digit folder holds only .bin event files (remove it)")
        }
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw NMNISTFolderError(path: path, problem: "cannot be read: \(String(cString: strerror(errno)))")
        }
        guard info.st_mode & S_IFMT == S_IFREG else {
            throw NMNISTFolderError(path: path, problem: "is not a regular file; a digit folder holds only .bin event files")
        }
        try checkLength(Int(info.st_size), path: path)
        return Entry(path: path, label: label, bytes: Int(info.st_size))
    }

    private func checkLength(_ length: Int, path: String) throws {
        guard length <= limits.fileBytes else {
            throw NMNISTFolderError(path: path, problem: "is larger than \(limits.fileBytes) bytes, the limit per recording (docs/data.md)")
        }
        guard length % 5 == 0 else {
            throw NMNISTFolderError(path: path, problem: "\(length) bytes is not a whole number of 5-byte ATIS events (file truncated?)")
        }
    }

    private func contents(of folder: String) throws -> [String] {
        do {
            return try FileManager.default.contentsOfDirectory(atPath: folder)
        } catch {
            throw NMNISTFolderError(path: folder, problem: "cannot be listed: \(error.localizedDescription)")
        }
    }

    private func isDirectory(_ path: String) -> Bool {
        var directory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &directory) && directory.boolValue
    }
}

/// A problem with the N-MNIST folder or one of its recordings: a bad input (exit status 3).
public struct NMNISTFolderError: Error, CustomStringConvertible, Equatable, Sendable {
    public let path: String
    public let problem: String
    public var description: String { "\(path): \(problem)" }
}
