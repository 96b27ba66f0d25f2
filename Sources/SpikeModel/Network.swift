/// A feed-forward spiking network: the architecture, the neuron constants and the weights.
///
/// An optional spatial front (convolution and pooling layers, in order) comes first; `layers`
/// are the fully connected layers after it, the first of which sees the front's output maps
/// flattened channel-major. A network without a front is a plain fully connected network.
public struct Network: Sendable, Equatable {
    public var constants: NeuronConstants
    public var spatialLayers: [SpatialLayer]
    /// The fully connected layers (after the spatial front, if any).
    public var layers: [DenseLayer]

    public init(constants: NeuronConstants, spatialLayers: [SpatialLayer] = [], layers: [DenseLayer]) {
        precondition(zip(spatialLayers, spatialLayers.dropFirst()).allSatisfy { $0.output == $1.input },
                     "each spatial layer's input must be the previous layer's output")
        precondition(spatialLayers.last.map { layers.first?.inputCount == $0.output.count } ?? true,
                     "the first fully connected layer must take the spatial front's flattened output")
        self.constants = constants
        self.spatialLayers = spatialLayers
        self.layers = layers
    }

    /// Neurons per layer from input to output, spatial layers included, e.g. [784, 800, 10].
    public var architecture: [Int] {
        if let first = spatialLayers.first {
            return [first.input.count] + spatialLayers.map(\.output.count) + layers.map(\.outputCount)
        }
        guard let first = layers.first else { return [] }
        return [first.inputCount] + layers.map(\.outputCount)
    }

    /// The architecture in its text form's structure.
    public var architectureSpec: Architecture {
        let input = spatialLayers.first?.input ?? FeatureMapShape(flat: layers.first?.inputCount ?? 0)
        let stages: [Architecture.Stage] = spatialLayers.map {
            switch $0 {
            case .convolution(let layer): return .convolution(kernels: layer.kernelCount, size: layer.kernelSize)
            case .pooling(let layer): return .pooling(size: layer.size)
            }
        } + layers.map { .dense(width: $0.outputCount) }
        return (try? Architecture(input: input, stages: stages)) ?? [input.count, outputCount]
    }

    public var inputCount: Int { spatialLayers.first?.input.count ?? layers.first?.inputCount ?? 0 }
    public var outputCount: Int { layers.last?.outputCount ?? 0 }
    /// Stored weights: shared kernels count once.
    public var synapseCount: Int { spatialLayers.reduce(0) { $0 + $1.weightCount } + layers.reduce(0) { $0 + $1.weights.count } }
    public var isConvolutional: Bool { !spatialLayers.isEmpty }

    /// "784-800-10" or "28x28-15C5-P2-40C5-P2-300-10".
    public var architectureName: String {
        spatialLayers.isEmpty ? architecture.map(String.init).joined(separator: "-") : architectureSpec.description
    }

    /// The widest layer and the most weights a model may have (docs/model-format.md): a layer of
    /// 2^24 neurons, 2^28 weights in all (1 GiB of float32; training keeps three times that).
    public static let maximumWidth = 1 << 24
    public static let maximumWeights = 1 << 28

    /// Parses a fully connected "784-800-10" into layer widths, rejecting anything with fewer
    /// than two layers or beyond the format's limits (`Architecture.parse` reads every form).
    public static func parseArchitecture(_ text: String) throws -> [Int] {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        let widths = parts.compactMap { Int($0) }
        guard widths.count == parts.count, widths.count >= 2, widths.allSatisfy({ $0 > 0 }) else {
            throw ModelError.invalidArchitecture(text, reason: "expected layer widths joined by '-', at least two, all positive")
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
    case invalidArchitecture(String, reason: String)
    case architectureTooLarge(String, String)
    case invalidFile(path: String, reason: String)

    public var description: String {
        switch self {
        case .invalidArchitecture(let text, let reason):
            return "invalid architecture '\(text)': \(reason) (e.g. 784-800-10 or 28x28-15C5-P2-40C5-P2-300-10)"
        case .architectureTooLarge(let text, let problem):
            return "architecture '\(text)': \(problem) (docs/model-format.md)"
        case .invalidFile(let path, let reason):
            return "\(path): \(reason)"
        }
    }
}
