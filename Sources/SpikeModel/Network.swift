/// A feed-forward spiking network: the architecture, the neuron constants and the weights.
public struct Network: Sendable, Equatable {
    public var constants: NeuronConstants
    public var layers: [DenseLayer]

    public init(constants: NeuronConstants, layers: [DenseLayer]) {
        self.constants = constants
        self.layers = layers
    }

    /// Layer widths from input to output, e.g. [784, 800, 10].
    public var architecture: [Int] {
        guard let first = layers.first else { return [] }
        return [first.inputCount] + layers.map(\.outputCount)
    }

    public var inputCount: Int { layers.first?.inputCount ?? 0 }
    public var outputCount: Int { layers.last?.outputCount ?? 0 }
    public var synapseCount: Int { layers.reduce(0) { $0 + $1.weights.count } }

    /// "784-800-10"
    public var architectureName: String { architecture.map(String.init).joined(separator: "-") }

    /// Parses "784-800-10" into layer widths, rejecting anything with fewer than two layers.
    public static func parseArchitecture(_ text: String) throws -> [Int] {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        let widths = parts.compactMap { Int($0) }
        guard widths.count == parts.count, widths.count >= 2, widths.allSatisfy({ $0 > 0 }) else {
            throw ModelError.invalidArchitecture(text)
        }
        return widths
    }
}

public enum ModelError: Error, CustomStringConvertible, Equatable {
    case invalidArchitecture(String)
    case invalidFile(path: String, reason: String)

    public var description: String {
        switch self {
        case .invalidArchitecture(let text):
            return "invalid architecture '\(text)': expected layer widths joined by '-', at least two, all positive (e.g. 784-800-10)"
        case .invalidFile(let path, let reason):
            return "\(path): \(reason)"
        }
    }
}
