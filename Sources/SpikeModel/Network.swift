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

    /// The widest layer and the most weights a model may have (docs/model-format.md): a layer of
    /// 2^24 neurons, 2^28 weights in all (1 GiB of float32; training keeps three times that).
    public static let maximumWidth = 1 << 24
    public static let maximumWeights = 1 << 28

    /// Parses "784-800-10" into layer widths, rejecting anything with fewer than two layers or
    /// beyond the format's limits.
    public static func parseArchitecture(_ text: String) throws -> [Int] {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        let widths = parts.compactMap { Int($0) }
        guard widths.count == parts.count, widths.count >= 2, widths.allSatisfy({ $0 > 0 }) else {
            throw ModelError.invalidArchitecture(text)
        }
        if let problem = architectureProblem(widths) { throw ModelError.architectureTooLarge(text, problem) }
        return widths
    }

    /// Why layer widths exceed the format's limits, or nil.
    public static func architectureProblem(_ widths: [Int]) -> String? {
        if let wide = widths.first(where: { $0 > maximumWidth }) {
            return "a layer of \(wide) neurons is wider than the limit of 2^24 = \(maximumWidth)"
        }
        var total = 0
        for l in 1..<max(1, widths.count) {
            let (product, overflow) = widths[l - 1].multipliedReportingOverflow(by: widths[l])
            total += overflow ? maximumWeights + 1 : product
            if total > maximumWeights { return "more than 2^28 = \(maximumWeights) weights in all" }
        }
        return nil
    }
}

public enum ModelError: Error, CustomStringConvertible, Equatable {
    case invalidArchitecture(String)
    case architectureTooLarge(String, String)
    case invalidFile(path: String, reason: String)

    public var description: String {
        switch self {
        case .invalidArchitecture(let text):
            return "invalid architecture '\(text)': expected layer widths joined by '-', at least two, all positive (e.g. 784-800-10)"
        case .architectureTooLarge(let text, let problem):
            return "architecture '\(text)': \(problem) (docs/model-format.md)"
        case .invalidFile(let path, let reason):
            return "\(path): \(reason)"
        }
    }
}
