/// One way a model does not fit a target: the layer, the resource, what is needed against the
/// limit, and what would fix it.
public struct Diagnostic: Sendable, Equatable, Codable, CustomStringConvertible {
    public enum Severity: String, Sendable, Codable { case error, warning }

    public var severity: Severity
    /// Layer index (0 = first weight layer), nil for a whole-model resource.
    public var layer: Int?
    /// Core index, where the violation belongs to one core.
    public var core: Int?
    public var resource: String
    public var need: Int
    public var limit: Int
    /// Concrete remedies, best first ("split the layer over at least 7 cores", "use target hm2bp-micro").
    public var fixes: [String]

    public init(_ severity: Severity = .error, layer: Int? = nil, core: Int? = nil, resource: String, need: Int, limit: Int, fixes: [String]) {
        self.severity = severity
        self.layer = layer
        self.core = core
        self.resource = resource
        self.need = need
        self.limit = limit
        self.fixes = fixes
    }

    public var description: String {
        var place = layer.map { "layer \($0)" } ?? "model"
        if let core { place += ", core \(core)" }
        let fix = fixes.isEmpty ? "" : ": " + fixes.joined(separator: "; or ")
        return "\(severity.rawValue): \(place): \(resource): needs \(need), limit \(limit)\(fix)"
    }
}

/// Collects every violation found by every pass, so one run reports them all.
public struct Diagnostics: Sendable {
    public private(set) var items: [Diagnostic] = []

    public init() {}

    public mutating func report(_ diagnostic: Diagnostic) { items.append(diagnostic) }

    public var errors: [Diagnostic] { items.filter { $0.severity == .error } }
    public var hasErrors: Bool { items.contains { $0.severity == .error } }

    /// Appends a fix to every error (used for the "use target X" suggestions found afterwards).
    mutating func addFixToErrors(_ fix: String) {
        for index in items.indices where items[index].severity == .error { items[index].fixes.append(fix) }
    }
}

/// The compile failed: every diagnostic, errors first. Nothing has been written.
public struct CompileFailure: Error, CustomStringConvertible {
    public var diagnostics: [Diagnostic]
    public var description: String {
        let errors = diagnostics.filter { $0.severity == .error }
        return "the model does not fit the target (\(errors.count) violation\(errors.count == 1 ? "" : "s")):\n"
            + Diagnostic.lines(diagnostics).map { "  " + $0 }.joined(separator: "\n")
    }
}

extension Diagnostic {
    /// One line per diagnostic, except that the same violation on several cores of a layer
    /// (a CNN's tiles often share one) is one line naming the cores: `cores 18-23, 30`.
    public static func lines(_ diagnostics: [Diagnostic]) -> [String] {
        var groups: [(first: Diagnostic, cores: [Int])] = []
        for diagnostic in diagnostics {
            if let core = diagnostic.core, let last = groups.last, last.first.core != nil,
               last.first.sameViolation(as: diagnostic) {
                groups[groups.count - 1].cores.append(core)
            } else {
                groups.append((diagnostic, diagnostic.core.map { [$0] } ?? []))
            }
        }
        return groups.map { group in
            guard group.cores.count > 1 else { return group.first.description }
            var place = group.first.layer.map { "layer \($0)" } ?? "model"
            place += ", cores " + ranges(group.cores) + " (\(group.cores.count) cores)"
            let fix = group.first.fixes.isEmpty ? "" : ": " + group.first.fixes.joined(separator: "; or ")
            return "\(group.first.severity.rawValue): \(place): \(group.first.resource): needs \(group.first.need) each, limit \(group.first.limit)\(fix)"
        }
    }

    private func sameViolation(as other: Diagnostic) -> Bool {
        severity == other.severity && layer == other.layer && resource == other.resource && need == other.need && limit == other.limit
            && fixes == other.fixes
    }

    /// Ascending integers as runs: [1, 2, 3, 7] -> "1-3, 7".
    private static func ranges(_ values: [Int]) -> String {
        var runs: [String] = []
        var start = values[0], end = values[0]
        for value in values.dropFirst() {
            if value == end + 1 { end = value; continue }
            runs.append(start == end ? "\(start)" : "\(start)-\(end)")
            start = value; end = value
        }
        runs.append(start == end ? "\(start)" : "\(start)-\(end)")
        return runs.joined(separator: ", ")
    }
}

/// A checker found that a pass broke its own contract: a compiler bug, never the user's fault.
public struct PassCheckFailure: Error, CustomStringConvertible {
    public var pass: String
    public var problems: [String]
    public var description: String {
        "internal error: the \(pass) pass failed its check (please report):\n" + problems.prefix(10).map { "  " + $0 }.joined(separator: "\n")
    }
}
