/// A NIR graph as stored in a `.nir` file (HDF5): named nodes, each a type and its datasets,
/// edges between node names, and free-form metadata. Parameters keep their shape and element
/// type so that a graph can be written back as it was read.
public struct NIRGraph: Equatable, Sendable, Codable {
    /// The file's `version` string, e.g. "1.0.8" (written by the `nir` package), "0.2.0".
    public var version: String
    /// Nodes in the order the file lists them (HDF5 orders group members by name).
    public var nodes: [NIRNode]
    public var edges: [NIREdge]
    /// Graph-level `metadata` group (hm2bp export records dt and its own fields here).
    public var metadata: [String: NIRValue]

    public init(version: String, nodes: [NIRNode], edges: [NIREdge], metadata: [String: NIRValue] = [:]) {
        self.version = version
        self.nodes = nodes
        self.edges = edges
        self.metadata = metadata
    }

    public func node(named name: String) -> NIRNode? { nodes.first { $0.name == name } }
}

public struct NIREdge: Equatable, Sendable, Codable {
    public var source: String
    public var target: String
    public init(_ source: String, _ target: String) {
        self.source = source
        self.target = target
    }
}

/// One node: its `type` dataset (e.g. "LIF") and every other dataset of its group by name.
public struct NIRNode: Equatable, Sendable, Codable {
    public var name: String
    public var type: String
    public var fields: [String: NIRValue]
    /// True when the node's group holds groups other than `metadata` (a nested `NIRGraph`).
    public var hasSubgroups: Bool

    public init(name: String, type: String, fields: [String: NIRValue] = [:], hasSubgroups: Bool = false) {
        self.name = name
        self.type = type
        self.fields = fields
        self.hasSubgroups = hasSubgroups
    }

    /// A numeric field, or nil when absent or text.
    public func numbers(_ field: String) -> NIRArray? {
        if case .numbers(let array)? = fields[field] { return array }
        return nil
    }
}

/// A dataset's value: numbers (any HDF5 integer or float type, held as Double) or text.
public enum NIRValue: Equatable, Sendable, Codable {
    case numbers(NIRArray)
    case text([String], shape: [Int])

    public static func string(_ text: String) -> NIRValue { .text([text], shape: []) }
    public static func scalar(_ value: Double, _ element: NIRArray.Element = .float64) -> NIRValue {
        .numbers(NIRArray(shape: [], values: [value], element: element))
    }

    /// The text of a scalar string dataset.
    public var string: String? {
        if case .text(let values, _) = self, values.count == 1 { return values[0] }
        return nil
    }

    /// The value of a one-element numeric dataset.
    public var scalar: Double? {
        if case .numbers(let array) = self, array.values.count == 1 { return array.values[0] }
        return nil
    }
}

public struct NIRArray: Equatable, Sendable, Codable {
    /// How the numbers are stored in the file.
    public enum Element: String, Sendable, Codable { case float32, float64, int64 }

    /// Dimensions, outermost first (C order); [] for a scalar.
    public var shape: [Int]
    public var values: [Double]
    public var element: Element

    public init(shape: [Int], values: [Double], element: Element = .float64) {
        precondition(shape.reduce(1, *) == values.count, "shape \(shape) does not hold \(values.count) values")
        self.shape = shape
        self.values = values
        self.element = element
    }

    /// A one-dimensional array.
    public init(_ values: [Double], element: Element = .float64) {
        self.init(shape: [values.count], values: values, element: element)
    }
}
