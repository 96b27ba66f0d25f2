import Foundation

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
            target = try JSONDecoder().decode(HardwareTarget.self, from: Data(bytes))
        } catch let error as DecodingError {
            throw TargetError.invalidField(path: path, field: fieldName(of: error), reason: reason(of: error))
        }
        if let (field, problem) = TargetValidation.firstProblem(in: target) {
            throw TargetError.invalidField(path: path, field: field, reason: problem)
        }
        return target
    }

    private static func fieldName(of error: DecodingError) -> String {
        let (path, key): ([CodingKey], CodingKey?) = {
            switch error {
            case .keyNotFound(let key, let context): return (context.codingPath, key)
            case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
                return (context.codingPath, nil)
            @unknown default: return ([], nil)
            }
        }()
        let parts = (path + (key.map { [$0] } ?? [])).map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }
        let joined = parts.reduce("") { $0.isEmpty || $1.hasPrefix("[") ? $0 + $1 : $0 + "." + $1 }
        return joined.isEmpty ? "(document)" : joined
    }

    private static func reason(of error: DecodingError) -> String {
        switch error {
        case .keyNotFound: return "missing (every field is required; see docs/targets.md)"
        case .typeMismatch(let type, _): return "wrong type (expected \(type))"
        case .valueNotFound(let type, _): return "null where \(type) is required"
        case .dataCorrupted(let context): return context.debugDescription
        @unknown default: return "invalid"
        }
    }
}
