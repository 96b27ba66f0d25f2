/// A network architecture as text, e.g. `784-800-10` (fully connected) or
/// `28x28-15C5-P2-40C5-P2-300-10` (spiking CNN, the reference's notation).
///
/// The first token is the input: a neuron count (`784`) or a map `HxW` / `HxWxC`. Then, joined
/// by '-': `NCk` (N kernels of k x k, valid, stride 1), `Pk` (k x k pooling, stride k; the map
/// sides must be multiples of k) and plain widths (fully connected layers). Convolution and
/// pooling need a map input and come before every fully connected layer; the last layer is
/// fully connected (the output). Limits, checked here: map sides, channels, kernels and kernel
/// or pool sizes at most 4096; every layer at most 2^24 neurons; at most 2^28 weights in all.
public struct Architecture: Sendable, Equatable, CustomStringConvertible, ExpressibleByArrayLiteral {
    public enum Stage: Sendable, Equatable {
        case convolution(kernels: Int, size: Int)
        case pooling(size: Int)
        case dense(width: Int)
    }

    public static let maximumSide = 4096
    public static let maximumLayerNeurons = 1 << 24

    public let input: FeatureMapShape
    public let stages: [Stage]

    /// Validates the stages against the input shape; the error names the offending token.
    public init(input: FeatureMapShape, stages: [Stage]) throws {
        func fail(_ reason: String) -> ModelError { .invalidArchitecture(Self.text(input, stages), reason: reason) }
        guard input.channels >= 1, input.height >= 1, input.width >= 1,
              input.channels <= Self.maximumSide, input.height <= Self.maximumSide,
              input.count <= Self.maximumLayerNeurons else {
            throw fail("input \(input.description): sides and channels must be 1...\(Self.maximumSide), at most \(Self.maximumLayerNeurons) neurons")
        }
        guard case .dense = stages.last else { throw fail("the last layer must be fully connected (a plain width, the outputs)") }
        var shape = input
        var flattened = input.channels == 1 && input.height == 1
        var weights = 0
        for (index, stage) in stages.enumerated() {
            let name = Self.token(stage)
            switch stage {
            case .convolution(let kernels, let size):
                guard !flattened else { throw fail("\(name) (layer \(index + 1)) needs a feature map: start with HxW and put convolutions before fully connected layers") }
                guard kernels >= 1, kernels <= Self.maximumSide, size >= 1, size <= shape.height, size <= shape.width else {
                    throw fail("\(name) (layer \(index + 1)): needs 1...\(Self.maximumSide) kernels no larger than the \(shape.height)x\(shape.width) map")
                }
                weights += kernels * shape.channels * size * size
                shape = FeatureMapShape(channels: kernels, height: shape.height - size + 1, width: shape.width - size + 1)
            case .pooling(let size):
                guard !flattened else { throw fail("\(name) (layer \(index + 1)) needs a feature map: start with HxW and put pooling before fully connected layers") }
                guard size >= 1, size <= Self.maximumSide, shape.height % size == 0, shape.width % size == 0 else {
                    throw fail("\(name) (layer \(index + 1)): the \(shape.height)x\(shape.width) map is not a multiple of \(size)")
                }
                shape = FeatureMapShape(channels: shape.channels, height: shape.height / size, width: shape.width / size)
            case .dense(let width):
                guard width >= 1, width <= Self.maximumLayerNeurons else { throw fail("layer \(index + 1): a width must be 1 ... 2^24 = \(Self.maximumLayerNeurons)") }
                weights += shape.count * width
                shape = FeatureMapShape(flat: width)
                flattened = true
            }
            guard shape.count <= Self.maximumLayerNeurons else { throw fail("\(name) (layer \(index + 1)) has more than \(Self.maximumLayerNeurons) neurons") }
            guard weights <= Network.maximumWeights else { throw fail("more than 2^28 = \(Network.maximumWeights) weights in all (docs/model-format.md)") }
        }
        self.input = input
        self.stages = stages
    }

    /// Fully connected widths, input first: `[784, 800, 10]`.
    public init(arrayLiteral widths: Int...) {
        precondition(widths.count >= 2, "an architecture needs an input and an output")
        try! self.init(input: FeatureMapShape(flat: widths[0]), stages: widths.dropFirst().map { .dense(width: $0) })
    }

    public static func parse(_ text: String) throws -> Architecture {
        let tokens = text.split(separator: "-", omittingEmptySubsequences: false).map(String.init)
        guard tokens.count >= 2 else { throw ModelError.invalidArchitecture(text, reason: "needs an input and at least one layer") }
        func number(_ digits: Substring) -> Int? {
            guard !digits.isEmpty, digits.count <= 9, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
            return Int(digits)
        }
        let inputParts = tokens[0].split(separator: "x", omittingEmptySubsequences: false).map(number)
        let input: FeatureMapShape
        switch inputParts.count {
        case 1 where inputParts[0] != nil: input = FeatureMapShape(flat: inputParts[0]!)
        case 2 where inputParts.allSatisfy({ $0 != nil }): input = FeatureMapShape(channels: 1, height: inputParts[0]!, width: inputParts[1]!)
        case 3 where inputParts.allSatisfy({ $0 != nil }):
            input = FeatureMapShape(channels: inputParts[2]!, height: inputParts[0]!, width: inputParts[1]!)
        default:
            throw ModelError.invalidArchitecture(text, reason: "the input '\(tokens[0])' must be a count (784) or a map HxW or HxWxC (28x28)")
        }
        var stages: [Stage] = []
        for token in tokens.dropFirst() {
            let upper = token.uppercased()
            if let width = number(Substring(token)) {
                stages.append(.dense(width: width))
            } else if upper.hasPrefix("P"), let size = number(upper.dropFirst()) {
                stages.append(.pooling(size: size))
            } else if let c = upper.firstIndex(of: "C"), let kernels = number(upper[..<c]), let size = number(upper[upper.index(after: c)...]) {
                stages.append(.convolution(kernels: kernels, size: size))
            } else {
                throw ModelError.invalidArchitecture(text, reason: "'\(token)' is not a layer: use a width (300), NCk for N k x k kernels (15C5) or Pk for k x k pooling (P2)")
            }
        }
        return try Architecture(input: input, stages: stages)
    }

    public var inputCount: Int { input.count }
    public var isConvolutional: Bool { stages.contains { if case .dense = $0 { return false } else { return true } } }

    /// Fully connected widths from the flattened spatial output to the outputs.
    public var denseWidths: [Int] {
        stages.compactMap { if case .dense(let width) = $0 { return width } else { return nil } }
    }

    public var description: String { Self.text(input, stages) }

    /// Every neuron of a sample, inputs included (what bounds T x neurons, docs/model-format.md).
    public var neuronCount: Int {
        var shape = input, total = input.count
        for stage in stages {
            switch stage {
            case .convolution(let kernels, let size):
                shape = FeatureMapShape(channels: kernels, height: shape.height - size + 1, width: shape.width - size + 1)
            case .pooling(let size): shape = FeatureMapShape(channels: shape.channels, height: shape.height / size, width: shape.width / size)
            case .dense(let width): shape = FeatureMapShape(flat: width)
            }
            total += shape.count
        }
        return total
    }

    static func token(_ stage: Stage) -> String {
        switch stage {
        case .convolution(let kernels, let size): return "\(kernels)C\(size)"
        case .pooling(let size): return "P\(size)"
        case .dense(let width): return "\(width)"
        }
    }

    static func text(_ input: FeatureMapShape, _ stages: [Stage]) -> String {
        ([input.description] + stages.map(token)).joined(separator: "-")
    }
}
