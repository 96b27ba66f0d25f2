/// A target description that cannot be used, naming the file and the field.
public enum TargetError: Error, CustomStringConvertible, Equatable {
    case unreadable(path: String)
    case invalidField(path: String, field: String, reason: String)
    case unknownTarget(name: String, known: [String])

    public var description: String {
        switch self {
        case .unreadable(let path):
            return "\(path): cannot read the target file (missing or unreadable)"
        case .invalidField(let path, let field, let reason):
            return "\(path): field \(field): \(reason)"
        case .unknownTarget(let name, let known):
            let list = known.isEmpty ? "none found" : known.joined(separator: ", ")
            return "unknown target '\(name)': give a name from Targets/ (\(list)) or a path to a .json file"
        }
    }
}
