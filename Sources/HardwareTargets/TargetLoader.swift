import Foundation
import StrictJSON

/// Finds, decodes and checks target descriptions.
public enum TargetLoader {
    /// A checked target together with the bytes it came from (the image records their hash).
    public struct LoadedTarget: Sendable {
        public let target: HardwareTarget
        public let path: String
        public let fileBytes: [UInt8]

        public init(target: HardwareTarget, path: String, fileBytes: [UInt8]) {
            self.target = target
            self.path = path
            self.fileBytes = fileBytes
        }
    }

    /// Folders searched for `NAME.json`, in order: `$HM2BP_TARGETS_DIR`, `./Targets`, and the
    /// package's own `Targets/` (found from this source file, so a development build works from
    /// any directory).
    public static var searchDirectories: [String] {
        var directories: [String] = []
        if let custom = ProcessInfo.processInfo.environment["HM2BP_TARGETS_DIR"], !custom.isEmpty {
            directories.append(custom)
        }
        directories.append(FileManager.default.currentDirectoryPath + "/Targets")
        let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        directories.append(packageRoot.appendingPathComponent("Targets").path)
        return directories
    }

    /// Names of the targets found in the search directories, sorted.
    public static func knownNames() -> [String] {
        var names = Set<String>()
        for directory in searchDirectories {
            let files = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
            for file in files where file.hasSuffix(".json") { names.insert(String(file.dropLast(5))) }
        }
        return names.sorted()
    }

    /// Loads `emulator`, another name from `Targets/`, or a path to a JSON file.
    public static func load(_ nameOrPath: String) throws -> LoadedTarget {
        if nameOrPath.contains("/") || nameOrPath.hasSuffix(".json") {
            return try load(path: nameOrPath)
        }
        for directory in searchDirectories {
            let candidate = directory + "/" + nameOrPath + ".json"
            if FileManager.default.fileExists(atPath: candidate) { return try load(path: candidate) }
        }
        throw TargetError.unknownTarget(name: nameOrPath, known: knownNames())
    }

    public static func load(path: String) throws -> LoadedTarget {
        guard let data = FileManager.default.contents(atPath: path) else { throw TargetError.unreadable(path: path) }
        return LoadedTarget(target: try decode(Array(data), path: path), path: path, fileBytes: Array(data))
    }

    /// Decodes and checks a description; `path` only names the file in errors.
    public static func decode(_ bytes: [UInt8], path: String) throws -> HardwareTarget {
        let target: HardwareTarget
        do {
            target = try StrictJSON.decode(HardwareTarget.self, from: bytes)
        } catch let error as JSONFieldError {
            let reason = error.reason.hasPrefix("missing") ? "missing (every field is required; see docs/targets.md)" : error.reason
            throw TargetError.invalidField(path: path, field: error.field, reason: reason)
        }
        if let (field, problem) = TargetValidation.firstProblem(in: target) {
            throw TargetError.invalidField(path: path, field: field, reason: problem)
        }
        return target
    }
}
