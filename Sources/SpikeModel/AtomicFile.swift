import Foundation

/// A file or folder that could not be written, with the system's reason.
public struct FileWriteError: Error, CustomStringConvertible, Equatable {
    public var path: String
    public var reason: String

    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }

    public var description: String { "\(path): cannot write: \(reason)" }

    static func fromErrno(_ path: String) -> FileWriteError { FileWriteError(path: path, reason: String(cString: strerror(errno))) }
}

/// Writes files so that a reader never sees half of one: the bytes go to a temporary file in
/// the same folder (`.NAME.tmp-PID-RANDOM`), are flushed, and the temporary file is renamed over
/// the target. Temporaries that a killed process left for the same name are removed first.
public enum AtomicFile {
    public static func write(_ data: Data, to path: String) throws {
        guard !path.isEmpty else { throw FileWriteError(path: "''", reason: "the path is empty") }
        let url = URL(fileURLWithPath: path)
        let directory = url.deletingLastPathComponent().path
        let name = url.lastPathComponent
        try createDirectory(directory)
        if isDirectory(path) { throw FileWriteError(path: path, reason: "it is a folder") }
        StaleTemporaries.remove(in: directory, prefix: ".\(name).tmp-")
        let temporary = directory + "/.\(name).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw FileWriteError.fromErrno(path) }
        var failure: FileWriteError?
        data.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = Foundation.write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    failure = .fromErrno(path)
                    return
                }
                offset += written
            }
        }
        if failure == nil, fsync(descriptor) != 0 { failure = .fromErrno(path) }
        close(descriptor)
        if failure == nil, rename(temporary, path) != 0 { failure = .fromErrno(path) }
        if let failure {
            unlink(temporary)
            throw failure
        }
    }

    public static func write(_ text: String, to path: String) throws {
        try write(Data(text.utf8), to: path)
    }

    /// Creates a folder and its parents, as a `FileWriteError` naming it on failure.
    public static func createDirectory(_ path: String) throws {
        do {
            try FileManager.default.createDirectory(atPath: path.isEmpty ? "." : path, withIntermediateDirectories: true)
        } catch {
            let reason = isFile(path) ? "a file of that name is in the way" : (error as NSError).localizedFailureReason ?? "cannot create the folder"
            throw FileWriteError(path: path, reason: reason)
        }
    }

    static func isDirectory(_ path: String) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue
    }

    static func isFile(_ path: String) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && !isDirectory.boolValue
    }
}

/// Replaces a whole folder at once: the caller fills a temporary folder beside the target
/// (`.NAME.tmp-PID`), then `commit` renames it over the target (the old one is moved aside and
/// removed), so a reader sees the old set or the new one, never a mix.
public struct AtomicDirectory {
    public let target: String
    /// Where the caller writes the new contents.
    public let staging: String

    public init(_ target: String) throws {
        guard !target.isEmpty else { throw FileWriteError(path: "''", reason: "the path is empty") }
        let url = URL(fileURLWithPath: target).standardizedFileURL
        let parent = url.deletingLastPathComponent().path
        self.target = url.path
        try AtomicFile.createDirectory(parent)
        if AtomicFile.isFile(self.target) { throw FileWriteError(path: target, reason: "a file of that name is in the way (a folder is written here)") }
        StaleTemporaries.remove(in: parent, prefix: ".\(url.lastPathComponent).tmp-")
        StaleTemporaries.remove(in: parent, prefix: ".\(url.lastPathComponent).old-")
        staging = parent + "/.\(url.lastPathComponent).tmp-\(getpid())"
        try? FileManager.default.removeItem(atPath: staging)
        try AtomicFile.createDirectory(staging)
    }

    /// Puts the staged folder in place of the target.
    public func commit() throws {
        let aside = URL(fileURLWithPath: target).deletingLastPathComponent().path + "/.\(URL(fileURLWithPath: target).lastPathComponent).old-\(getpid())"
        let hadOld = FileManager.default.fileExists(atPath: target)
        if hadOld, rename(target, aside) != 0 { throw FileWriteError.fromErrno(target) }
        guard rename(staging, target) == 0 else {
            let failure = FileWriteError.fromErrno(target)
            if hadOld { rename(aside, target) }
            throw failure
        }
        if hadOld { try? FileManager.default.removeItem(atPath: aside) }
    }

    /// Removes the staged folder (after a failure).
    public func discard() { try? FileManager.default.removeItem(atPath: staging) }
}

/// Temporaries of processes that no longer run (killed mid-write) are garbage; those of a live
/// process are another writer's work in progress and are left alone.
enum StaleTemporaries {
    static func remove(in directory: String, prefix: String) {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory.isEmpty ? "." : directory) else { return }
        for name in names where name.hasPrefix(prefix) {
            let pidText = name.dropFirst(prefix.count).prefix { $0.isNumber }
            guard let pid = Int32(pidText), pid != getpid(), !isRunning(pid) else { continue }
            try? FileManager.default.removeItem(atPath: (directory.isEmpty ? "." : directory) + "/" + name)
        }
    }

    static func isRunning(_ pid: pid_t) -> Bool { kill(pid, 0) == 0 || errno == EPERM }
}
