import Foundation
import SpikeModel

/// Settings of an import that a NIR graph does not record itself.
public struct NIRImportSettings: Sendable {
    /// The step the network was trained at, in seconds (NIR graphs carry no dt).
    public var dt: Double?
    /// The time window T of the hm2bp model.
    public var timeSteps: Int?
    public var discretization: Discretization?
    /// Round tauM and tauS to the nearest power of two (for shift-only cores).
    public var powerOfTwoTaus: Bool

    public init(dt: Double? = nil, timeSteps: Int? = nil, discretization: Discretization? = nil, powerOfTwoTaus: Bool = false) {
        self.dt = dt
        self.timeSteps = timeSteps
        self.discretization = discretization
        self.powerOfTwoTaus = powerOfTwoTaus
    }
}

/// What became of one NIR neuron node.
public struct NIRLayerMapping: Codable, Sendable, Equatable {
    public var node: String
    public var neuron: String
    public var inputs: Int
    public var outputs: Int
    /// hm2bp taus in steps (after power-of-two rounding when asked for).
    public var tauM: Float
    public var tauS: Float
    public var threshold: Float
    /// The hm2bp layer the node became: "dense", "convolution" or "pooling".
    public var layer: String
    /// Neurons whose own v_threshold differs from the layer's and was folded into their weights.
    public var rescaledNeurons: Int
    /// Power-of-two rounding of this layer's taus, when asked for.
    public var tauMRounding: PowerOfTwoTau?
    public var tauSRounding: PowerOfTwoTau?
}

public struct NIRImport: Sendable {
    public var model: Model
    public var dt: Double
    public var discretization: Discretization
    public var layers: [NIRLayerMapping]
    /// What the import did that a user should know (restored hm2bp metadata, folded thresholds).
    public var notes: [String]
}

/// Turns a NIR graph into an hm2bp model (mapping: docs/nir.md), or names every node it cannot
/// represent.
public enum NIRImporter {
    /// Node types with an hm2bp meaning.
    public static let supportedTypes: Set<String> = ["Input", "Output", "Affine", "Linear", "Scale", "Flatten", "LIF", "CubaLIF", "IF",
                                                     "Conv2d", "SumPool2d", "AvgPool2d"]
    /// tauM of IF neurons (no leak): `v - v/2^30` rounds back to `v` in float32, and a shift of 30
    /// is the largest a core applies.
    public static let noLeakTau: Float = Float(1 << 30)
    /// Multiply-adds allowed for combining consecutive linear nodes (a few seconds at most).
    static let maximumCompositionWork = 1 << 32

    public static func importGraph(_ graph: NIRGraph, path: String, settings: NIRImportSettings) throws -> NIRImport {
        var problems: [NIRProblem] = []
        func problem(_ node: String, _ reason: String) { problems.append(NIRProblem(node: node, reason: reason)) }

        let stored = StoredModelFields(graph.metadata)
        guard let dt = settings.dt ?? stored.dt else {
            throw NIRError.missingSetting(path: path, reason: "the graph records no time step; pass --dt SECONDS (the step the network was trained and simulated at)")
        }
        guard dt.isFinite, dt > 0, dt <= 1 else {
            throw NIRError.missingSetting(path: path, reason: "--dt must be a number of seconds in (0, 1] (got \(dt))")
        }
        guard let timeSteps = settings.timeSteps ?? stored.timeSteps else {
            throw NIRError.missingSetting(path: path, reason: "the graph records no time window; pass --time-steps T")
        }
        guard timeSteps >= 2, timeSteps <= NeuronConstants.maximumTimeSteps else {
            throw NIRError.missingSetting(path: path, reason: "--time-steps must be 2 ... 2^20, the model format's limit (got \(timeSteps))")
        }
        let discretization = settings.discretization ?? stored.discretization ?? .euler

        // Node types.
        for node in graph.nodes {
            if node.type == "NIRGraph" || node.hasSubgroups {
                problem(node.name, "nested graphs are not supported (flatten the graph in your framework before exporting)")
            } else if node.type == "Conv1d" {
                problem(node.name, "Conv1d has no hm2bp equivalent: hm2bp convolutions are 2-D (Conv2d)")
            } else if !supportedTypes.contains(node.type) {
                problem(node.name, "node type \(node.type) has no hm2bp equivalent (supported: \(supportedTypes.sorted().joined(separator: ", ")))")
            }
        }
        // Structure: one chain Input -> ... -> Output.
        let chain = structure(graph, problem: problem)
        // Parameters, node by node (every node, also where the structure is already refused).
        var neurons: [String: NeuronParameters] = [:]
        for node in graph.nodes where ["LIF", "CubaLIF", "IF"].contains(node.type) {
            if let parameters = NeuronParameters(node, dt: dt, discretization: discretization, problem: problem) {
                neurons[node.name] = parameters
            }
        }
        for node in graph.nodes where node.type == "Affine" {
            if let bias = node.numbers("bias"), bias.values.contains(where: { $0 != 0 }) {
                problem(node.name, "bias is non-zero (\(bias.values.filter { $0 != 0 }.count) of \(bias.values.count)); hm2bp neurons have no bias current")
            }
        }
        var spatialNodes: [String: SpatialNode] = [:]
        for node in graph.nodes where SpatialNode.types.contains(node.type) {
            spatialNodes[node.name] = SpatialNode(node, problem: problem)
        }
        // One tauM and one tauS for the whole network.
        let distinct = Set(neurons.values.map { [$0.tauM, $0.tauS] })
        if distinct.count > 1 {
            let listing = neurons.sorted { $0.key < $1.key }.map { "\($0.key) (\($0.value.kind): tauM \($0.value.tauM), tauS \($0.value.tauS) steps)" }
            for name in neurons.keys.sorted() {
                problem(name, "hm2bp uses one tauM and one tauS for the whole network, but the neuron nodes differ: \(listing.joined(separator: "; "))")
            }
        }
        var built = BuiltLayers()
        var notes: [String] = []
        if let chain, problems.isEmpty {
            built = buildLayers(chain, graph: graph, neurons: neurons, spatialNodes: spatialNodes, problem: problem)
        }
        var layers = built.dense, spatial = built.spatial, mappings = built.mappings
        if let front = spatial.first, problems.isEmpty {
            // The model format's limits on a CNN (map sides, kernels, weights in all).
            let stages: [Architecture.Stage] = spatial.map {
                switch $0 {
                case .convolution(let conv): return .convolution(kernels: conv.kernelCount, size: conv.kernelSize)
                case .pooling(let pool): return .pooling(size: pool.size)
                }
            } + layers.map { .dense(width: $0.outputCount) }
            do { _ = try Architecture(input: front.input, stages: stages) } catch {
                problem(graph.nodes.first { $0.type == "Input" }?.name ?? "graph", "\(error)")
            }
        }
        if layers.isEmpty && problems.isEmpty {
            problem(graph.nodes.first { $0.type == "Input" }?.name ?? "graph", "the graph has no neuron layer (LIF, CubaLIF or IF) between Input and Output")
        }
        guard problems.isEmpty, let first = neurons[mappings.first?.node ?? ""] else {
            throw NIRError.unrepresentable(path: path, problems: problems)
        }
        var tauM = first.tauM, tauS = first.tauS
        if settings.powerOfTwoTaus {
            let roundedM = PowerOfTwoTau(nearest: Double(tauM)), roundedS = PowerOfTwoTau(nearest: Double(tauS))
            // Weights carry r·w_in/tauM: re-derive them so the rounded network is exactly NIR's
            // neuron with tau = 2^k dt (same steady state r·I, only the leak rate moves).
            let gainFix = Float(Double(tauM) / roundedM.rounded)
            if gainFix != 1 {
                for index in layers.indices { layers[index].weights = layers[index].weights.map { $0 * gainFix } }
                // Pooling windows weigh a fixed 1, so their gain lives in the threshold.
                for index in spatial.indices {
                    switch spatial[index] {
                    case .convolution(var conv): conv.weights = conv.weights.map { $0 * gainFix }; spatial[index] = .convolution(conv)
                    case .pooling(var pool): pool.threshold /= gainFix; spatial[index] = .pooling(pool)
                    }
                }
            }
            for index in mappings.indices {
                mappings[index].tauMRounding = roundedM
                mappings[index].tauSRounding = roundedS
                mappings[index].tauM = Float(roundedM.rounded)
                mappings[index].tauS = Float(roundedS.rounded)
            }
            tauM = Float(roundedM.rounded)
            tauS = Float(roundedS.rounded)
        }
        var refractory = 0
        if let restored = stored.restore(into: &layers, notes: &notes) { refractory = restored }
        let constants = NeuronConstants(tauM: tauM, tauS: tauS, refractorySteps: refractory, timeSteps: timeSteps)
        if let issue = constants.firstProblem() { throw NIRError.unrepresentable(path: path, problems: [NIRProblem(node: "constants", reason: issue)]) }
        for mapping in mappings where mapping.rescaledNeurons > 0 {
            let count = mapping.rescaledNeurons == 1 ? "1 neuron has its" : "\(mapping.rescaledNeurons) neurons have their"
            notes.append("\(mapping.node): \(count) own v_threshold; weights scaled by threshold/v_threshold so it fires at the layer threshold \(mapping.threshold) at the same steps")
        }
        // A graph from another framework says nothing of its training data: the model records
        // none (""), and later commands ask for --dataset or fall back to mnist with a warning.
        let provenance = stored.provenance ?? Provenance(
            dataset: "", seed: 1,
            hyperparameters: ["dt": dt, "discretizationExact": discretization == .exact ? 1 : 0],
            createdBy: "hm2bp import of NIR \(graph.version) (\(discretization.rawValue), dt \(dt) s)")
        let model = Model(network: Network(constants: constants, spatialLayers: spatial, layers: layers), provenance: provenance)
        return NIRImport(model: model, dt: dt, discretization: discretization, layers: mappings, notes: notes)
    }

    /// The nodes from Input to Output when the graph is one chain; otherwise reports why not.
    static func structure(_ graph: NIRGraph, problem: (String, String) -> Void) -> [NIRNode]? {
        let byName = Dictionary(graph.nodes.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        var outgoing: [String: [String]] = [:], incoming: [String: [String]] = [:]
        var broken = false
        for edge in graph.edges {
            for end in [edge.source, edge.target] where byName[end] == nil {
                problem(end, "edge \(edge.source) -> \(edge.target) names a node the graph does not have")
                broken = true
            }
            outgoing[edge.source, default: []].append(edge.target)
            incoming[edge.target, default: []].append(edge.source)
        }
        let inputs = graph.nodes.filter { $0.type == "Input" }, outputs = graph.nodes.filter { $0.type == "Output" }
        if inputs.count != 1 { problem(inputs.map(\.name).joined(separator: ", ").isEmpty ? "graph" : inputs.map(\.name).joined(separator: ", "), "hm2bp needs exactly one Input node (found \(inputs.count))"); broken = true }
        if outputs.count != 1 { problem(outputs.map(\.name).joined(separator: ", ").isEmpty ? "graph" : outputs.map(\.name).joined(separator: ", "), "hm2bp needs exactly one Output node (found \(outputs.count))"); broken = true }
        // Recurrent edges: the back edges of a depth-first walk from the Input (iterative, so a
        // long chain cannot exhaust the stack). Each cycle is reported once, at the target of its
        // closing edge; the nodes on it are not reported again as branching or summing.
        var cyclic: Set<String> = [], visited: Set<String> = [], onPath: Set<String> = []
        for start in inputs + graph.nodes where !visited.contains(start.name) {
            var stack: [(name: String, next: Int)] = [(start.name, 0)]
            visited.insert(start.name); onPath.insert(start.name)
            while let top = stack.last {
                let successors = outgoing[top.name] ?? []
                guard top.next < successors.count else {
                    onPath.remove(top.name); stack.removeLast(); continue
                }
                stack[stack.count - 1].next += 1
                let next = successors[top.next]
                guard byName[next] != nil else { continue }
                if onPath.contains(next) {
                    problem(next, "recurrent edge \(top.name) -> \(next): hm2bp layers are feed-forward (no recurrent connections)")
                    broken = true
                    if let from = stack.firstIndex(where: { $0.name == next }) { cyclic.formUnion(stack[from...].map(\.name)) }
                } else if !visited.contains(next) {
                    visited.insert(next); onPath.insert(next); stack.append((next, 0))
                }
            }
        }
        for node in graph.nodes where !cyclic.contains(node.name) {
            let outs = outgoing[node.name] ?? [], ins = incoming[node.name] ?? []
            if outs.count > 1 {
                problem(node.name, "branches to \(outs.joined(separator: ", ")): hm2bp networks are a single chain")
                broken = true
            }
            if ins.count > 1 {
                problem(node.name, "sums the inputs of \(ins.joined(separator: ", ")): hm2bp networks are a single chain")
                broken = true
            }
            if node.type != "Input" && ins.isEmpty { problem(node.name, "has no input edge (not connected to the Input)"); broken = true }
            if node.type != "Output" && outs.isEmpty { problem(node.name, "has no output edge (not connected to the Output)"); broken = true }
        }
        guard !broken, let start = inputs.first else { return nil }
        var chain = [start], seen: Set<String> = [start.name]
        while let next = outgoing[chain.last!.name]?.first, let node = byName[next], seen.insert(next).inserted {
            chain.append(node)
        }
        guard chain.last?.type == "Output" else { return nil }
        return chain
    }

    /// What `buildLayers` made of a chain.
    struct BuiltLayers {
        var spatial: [SpatialLayer] = []
        var dense: [DenseLayer] = []
        var mappings: [NIRLayerMapping] = []
    }

    /// Composes the linear nodes between neuron nodes into one weight matrix per layer and folds
    /// the neuron's gain (r·w_in/tauM) and per-neuron thresholds into it; a `Conv2d` or pooling
    /// node and the neuron node after it become one spatial layer (docs/nir.md, section 3).
    static func buildLayers(_ chain: [NIRNode], graph: NIRGraph, neurons: [String: NeuronParameters],
                            spatialNodes: [String: SpatialNode] = [:], problem: (String, String) -> Void) -> BuiltLayers {
        var built = BuiltLayers()
        var width = 0
        var pending: Matrix?
        // The values as feature maps (an Input of rank 2 or 3, or a spatial layer's output), until a Flatten.
        var map: FeatureMapShape?
        // A spatial node waiting for its neuron node.
        var pendingSpatial: (node: NIRNode, kind: SpatialNode)?
        var afterSpatial = false
        for node in chain {
            if pendingSpatial != nil && !["LIF", "CubaLIF", "IF"].contains(node.type) {
                problem(pendingSpatial!.node.name, "is followed by \(node.name) (\(node.type)), not by a neuron node: hm2bp's convolution and pooling layers are spiking layers of their own")
                return BuiltLayers()
            }
            switch node.type {
            case "Input":
                guard let shape = node.numbers("shape"), !shape.values.isEmpty, shape.values.allSatisfy({ $0 >= 1 && $0 <= Double(1 << 24) }) else {
                    problem(node.name, "field shape is missing or not a list of positive sizes"); return BuiltLayers()
                }
                width = shape.values.reduce(1) { $0 * Int($1) }
                guard width <= 1 << 24 else { problem(node.name, "\(width) inputs exceed 2^24"); return BuiltLayers() }
                // [C, H, W] (NIR's and PyTorch's order) or [H, W]: the maps a convolution sees.
                let sides = shape.values.map { Int($0) }
                if sides.count == 3 { map = FeatureMapShape(channels: sides[0], height: sides[1], width: sides[2]) }
                if sides.count == 2 { map = FeatureMapShape(channels: 1, height: sides[0], width: sides[1]) }
            case "Flatten":
                map = nil
                afterSpatial = false
            case "Conv2d", "SumPool2d", "AvgPool2d":
                guard let kind = spatialNodes[node.name] else { return BuiltLayers() }
                guard pending == nil, built.dense.isEmpty else {
                    problem(node.name, "follows a linear node or a fully connected layer: hm2bp's convolution and pooling layers come first and take spikes")
                    return BuiltLayers()
                }
                if case .convolution(_, let channels, _, _, let inputShape?) = kind, map == nil, channels * inputShape[0] * inputShape[1] == width {
                    // A flat Input: the node's own input_shape says how the maps lie.
                    map = FeatureMapShape(channels: channels, height: inputShape[0], width: inputShape[1])
                }
                guard let input = map else {
                    problem(node.name, "receives \(width) flat values; a \(node.type) needs feature maps (an Input of shape [C, H, W], not after a Flatten)")
                    return BuiltLayers()
                }
                switch kind {
                case .convolution(_, let channels, let size, _, let inputShape):
                    guard channels == input.channels else {
                        problem(node.name, "weight has \(channels) input channels but receives \(input.channels)"); return BuiltLayers()
                    }
                    if let inputShape, inputShape != [input.height, input.width] {
                        problem(node.name, "input_shape \(inputShape) differs from the \(input.height) x \(input.width) maps it receives"); return BuiltLayers()
                    }
                    guard size <= input.height, size <= input.width else {
                        problem(node.name, "kernel \(size) x \(size) is larger than the \(input.height) x \(input.width) maps"); return BuiltLayers()
                    }
                case .pooling(let size, _):
                    guard input.height % size == 0, input.width % size == 0 else {
                        problem(node.name, "the \(input.height) x \(input.width) maps are not a multiple of the \(size) x \(size) window; hm2bp pools whole windows only")
                        return BuiltLayers()
                    }
                }
                pendingSpatial = (node, kind)
            case "Linear", "Affine":
                if afterSpatial {
                    problem(node.name, "follows feature maps without a Flatten node; add Flatten between the convolutional front and the fully connected layers")
                    return BuiltLayers()
                }
                guard let weight = node.numbers("weight"), weight.shape.count == 2 else {
                    problem(node.name, "field weight must be a 2-D array (outputs, inputs)"); return BuiltLayers()
                }
                let (rows, columns) = (weight.shape[0], weight.shape[1])
                guard columns == width else {
                    problem(node.name, "weight has \(columns) inputs but receives \(width) values"); return BuiltLayers()
                }
                guard weight.values.allSatisfy(\.isFinite) else { problem(node.name, "weight holds a non-finite value"); return BuiltLayers() }
                if let bias = node.numbers("bias"), bias.values.count != rows {
                    problem(node.name, "bias has \(bias.values.count) values for \(rows) outputs"); return BuiltLayers()
                }
                let matrix = Matrix(rows: rows, columns: columns, values: weight.values)
                if let previous = pending {
                    // Bound the work and the result before multiplying consecutive linear nodes.
                    let (work, workOverflow) = rows.multipliedReportingOverflow(by: columns * previous.columns)
                    let (size, sizeOverflow) = rows.multipliedReportingOverflow(by: previous.columns)
                    guard !workOverflow, !sizeOverflow, work <= Self.maximumCompositionWork, size <= NIRFile.maximumElements else {
                        problem(node.name, "follows another linear node; combining them (\(rows) x \(columns) times \(previous.rows) x \(previous.columns)) exceeds hm2bp's limits")
                        return BuiltLayers()
                    }
                }
                pending = pending.map { matrix.times($0) } ?? matrix
                width = rows
                map = nil
            case "Scale":
                if afterSpatial {
                    problem(node.name, "scales feature maps; hm2bp folds Scale only into fully connected layers (after the Flatten)")
                    return BuiltLayers()
                }
                guard let scale = node.numbers("scale"), scale.values.count == width, scale.values.allSatisfy(\.isFinite) else {
                    problem(node.name, "field scale must hold \(width) finite values"); return BuiltLayers()
                }
                guard pending != nil || width * width <= NIRFile.maximumElements else {
                    problem(node.name, "scales \(width) values before any Linear node; hm2bp would need an identity layer that wide")
                    return BuiltLayers()
                }
                var matrix = pending ?? Matrix.identity(width)
                for row in 0..<matrix.rows { for column in 0..<matrix.columns { matrix[row, column] *= scale.values[row] } }
                pending = matrix
                map = nil
            case "LIF", "CubaLIF", "IF":
                guard let neuron = neurons[node.name] else { return BuiltLayers() }
                if let waiting = pendingSpatial, let input = map {
                    guard let made = spatialLayer(waiting.kind, node: waiting.node, input: input, neuron: neuron, neuronNode: node, problem: problem) else {
                        return BuiltLayers()
                    }
                    let layer = made.0
                    built.spatial.append(layer)
                    built.mappings.append(made.1)
                    map = layer.output
                    width = layer.output.count
                    pendingSpatial = nil
                    afterSpatial = true
                    continue
                }
                if afterSpatial {
                    problem(node.name, "follows feature maps without a Conv2d or pooling node; hm2bp has no identity spatial layer")
                    return BuiltLayers()
                }
                guard neuron.count == width else {
                    problem(node.name, "has \(neuron.count) neurons but receives \(width) values"); return BuiltLayers()
                }
                guard pending != nil || width * width <= NIRFile.maximumElements else {
                    problem(node.name, "follows \(width) values without a Linear node; an identity layer that wide exceeds \(NIRFile.maximumElements) weights")
                    return BuiltLayers()
                }
                let matrix = pending ?? Matrix.identity(width)
                let inputs = matrix.columns, outputs = matrix.rows
                let threshold = Float(neuron.threshold[0])
                var weights = [Float](repeating: 0, count: inputs * outputs)
                var rescaled = 0
                var finite = true
                for i in 0..<outputs {
                    let fold = Double(threshold) / neuron.threshold[i]
                    if fold != 1 { rescaled += 1 }
                    let factor = neuron.gain[i] * fold
                    for j in 0..<inputs {
                        let w = Float(matrix[i, j] * factor)
                        finite = finite && w.isFinite
                        weights[j * outputs + i] = w
                    }
                }
                guard finite else { problem(node.name, "a weight times r·w_in/tauM is not a finite float32"); return BuiltLayers() }
                built.dense.append(DenseLayer(inputCount: inputs, outputCount: outputs, threshold: threshold, weights: weights))
                built.mappings.append(NIRLayerMapping(node: node.name, neuron: node.type, inputs: inputs, outputs: outputs, tauM: neuron.tauM,
                                                      tauS: neuron.tauS, threshold: threshold, layer: "dense", rescaledNeurons: rescaled))
                pending = nil
                map = nil
            case "Output":
                if let shape = node.numbers("shape"), shape.values.reduce(1, *) != Double(width) {
                    problem(node.name, "shape \(shape.values.map { Int($0) }) does not hold the \(width) values it receives")
                    return BuiltLayers()
                }
                if pending != nil {
                    problem(node.name, "is fed by a linear node, not by neurons: hm2bp networks end in a spiking layer")
                    return BuiltLayers()
                }
                if built.dense.isEmpty && !built.spatial.isEmpty {
                    problem(node.name, "is fed by feature maps: hm2bp networks end in a fully connected layer (Flatten, Linear, neuron)")
                    return BuiltLayers()
                }
            default:
                return BuiltLayers()
            }
        }
        return built
    }

    /// A convolution or pooling node and its neuron node as one hm2bp spatial layer.
    ///
    /// Convolution: the neuron's gain r·w_in/tauM and its threshold fold into the shared kernel of
    /// each output channel, so they must be the same for every neuron of a channel. Pooling: the
    /// window weighs a fixed 1 in hm2bp, so the gain (and AvgPool2d's 1/P^2) goes into the
    /// threshold instead: v_threshold P^2 / gain (AvgPool2d) or v_threshold / gain (SumPool2d),
    /// the same for every neuron of the layer.
    static func spatialLayer(_ kind: SpatialNode, node: NIRNode, input: FeatureMapShape, neuron: NeuronParameters, neuronNode: NIRNode,
                             problem: (String, String) -> Void) -> (SpatialLayer, NIRLayerMapping)? {
        let output: FeatureMapShape
        switch kind {
        case .convolution(let kernels, _, let size, _, _):
            output = FeatureMapShape(channels: kernels, height: input.height - size + 1, width: input.width - size + 1)
        case .pooling(let size, _):
            output = FeatureMapShape(channels: input.channels, height: input.height / size, width: input.width / size)
        }
        // Bounded before anything loops over the maps (a 1 x 1 kernel can multiply the neurons).
        guard output.count <= Architecture.maximumLayerNeurons else {
            problem(node.name, "gives \(output.channels) maps of \(output.height) x \(output.width), more than 2^24 = \(Architecture.maximumLayerNeurons) neurons (docs/model-format.md)")
            return nil
        }
        // Neuron parameters per map neuron, per channel (shape [C, 1, 1]) or one for all.
        let perNeuron: (Int) -> Int
        switch neuron.count {
        case output.count: perNeuron = { $0 }
        case output.channels: perNeuron = { $0 / output.positions }
        case 1: perNeuron = { _ in 0 }
        default:
            problem(neuronNode.name, "has \(neuron.count) neurons but \(node.name) gives \(output.channels) maps of \(output.height) x \(output.width) = \(output.count)")
            return nil
        }
        func mapping(threshold: Float, layer: String, rescaled: Int) -> NIRLayerMapping {
            NIRLayerMapping(node: neuronNode.name, neuron: neuronNode.type, inputs: input.count, outputs: output.count, tauM: neuron.tauM,
                            tauS: neuron.tauS, threshold: threshold, layer: layer, rescaledNeurons: rescaled)
        }
        switch kind {
        case .convolution(let kernels, let channels, let size, let nirWeights, _):
            let threshold = Float(neuron.threshold[0])
            var factors = [Double](repeating: 0, count: kernels)
            var rescaled = 0
            for a in 0..<kernels {
                let neurons = (a * output.positions)..<((a + 1) * output.positions)
                let channelFactors = Set(neurons.map { neuron.gain[perNeuron($0)] * Double(threshold) / neuron.threshold[perNeuron($0)] })
                guard channelFactors.count == 1, let factor = channelFactors.first else {
                    problem(neuronNode.name, "neurons of output channel \(a) differ in r·w_in or v_threshold; hm2bp folds them into channel \(a)'s shared kernel, so they must agree within a channel")
                    return nil
                }
                factors[a] = factor
                if neuron.threshold[perNeuron(neurons.lowerBound)] != Double(threshold) { rescaled += neurons.count }
            }
            let volume = channels * size * size
            // NIR's (C_out, C_in, kH, kW) is hm2bp's (kernel, channel, row, column): same flat order.
            let weights = nirWeights.indices.map { Float(nirWeights[$0] * factors[$0 / volume]) }
            guard weights.allSatisfy(\.isFinite) else { problem(node.name, "a weight times r·w_in/tauM is not a finite float32"); return nil }
            let layer = ConvolutionLayer(input: input, kernelCount: kernels, kernelSize: size, threshold: threshold, weights: weights)
            return (.convolution(layer), mapping(threshold: threshold, layer: "convolution", rescaled: rescaled))
        case .pooling(let size, let average):
            let windowWeight = average ? 1 / Double(size * size) : 1
            let thresholds = Set((0..<output.count).map { Float(neuron.threshold[perNeuron($0)] / (neuron.gain[perNeuron($0)] * windowWeight)) })
            guard thresholds.count == 1, let threshold = thresholds.first else {
                problem(neuronNode.name, "neurons differ in v_threshold / (r·w_in); hm2bp's pooling layer (window weight 1) has one threshold, which holds that ratio")
                return nil
            }
            guard threshold.isFinite, threshold > 0 else {
                problem(neuronNode.name, "v_threshold / (r·w_in\(average ? " / P^2" : "")) is \(threshold), not a positive float32")
                return nil
            }
            let layer = PoolingLayer(input: input, size: size, threshold: threshold)
            return (.pooling(layer), mapping(threshold: threshold, layer: "pooling", rescaled: 0))
        }
    }
}

/// The LIF, CubaLIF or IF parameters of one node, turned into hm2bp terms.
struct NeuronParameters {
    var kind: String
    var count: Int
    var tauM: Float
    var tauS: Float
    /// r·w_in/tauM per neuron (IF: r·dt): the factor from NIR weight to hm2bp weight.
    var gain: [Double]
    var threshold: [Double]

    init?(_ node: NIRNode, dt: Double, discretization: Discretization, problem: (String, String) -> Void) {
        kind = node.type
        var ok = true
        func fail(_ reason: String) { problem(node.name, reason); ok = false }
        guard let thresholds = node.numbers("v_threshold") else { fail("field v_threshold is missing"); return nil }
        count = thresholds.values.count
        guard count >= 1 else { fail("field v_threshold is empty"); return nil }
        let n = count
        func field(_ name: String, default value: Double? = nil) -> [Double]? {
            guard let array = node.numbers(name) else {
                if let value { return [Double](repeating: value, count: n) }
                fail("field \(name) is missing"); return nil
            }
            guard array.values.count == n || array.values.count == 1 else {
                fail("field \(name) has \(array.values.count) values for \(n) neurons"); return nil
            }
            guard array.values.allSatisfy(\.isFinite) else { fail("field \(name) holds a non-finite value"); return nil }
            return array.values.count == n ? array.values : [Double](repeating: array.values[0], count: n)
        }
        threshold = thresholds.values
        if let bad = threshold.first(where: { !($0.isFinite && $0 > 0) }) {
            fail("v_threshold must be positive (found \(bad)): hm2bp neurons rest at 0 and fire above a positive threshold")
        }
        let r = field("r")
        if let reset = field("v_reset", default: 0), let value = reset.first(where: { $0 != 0 }) {
            fail("v_reset is \(value); hm2bp neurons reset to 0")
        }
        var tauMem: [Double]?, tauSyn: [Double]?, wIn: [Double]? = [Double](repeating: 1, count: n)
        switch node.type {
        case "LIF":
            tauMem = field("tau")
        case "CubaLIF":
            tauMem = field("tau_mem"); tauSyn = field("tau_syn"); wIn = field("w_in", default: 1)
        default: // IF: no leak, no synapse
            break
        }
        if node.type != "IF", let leak = field("v_leak", default: 0), let value = leak.first(where: { $0 != 0 }) {
            fail("v_leak is \(value); hm2bp neurons leak towards 0 (v_leak must be 0)")
        }
        func steps(_ taus: [Double]?, _ name: String) -> Float? {
            guard let taus else { return nil }
            guard taus.allSatisfy({ $0 > 0 }) else { fail("\(name) must be positive"); return nil }
            guard Set(taus).count == 1 else {
                fail("\(name) differs between neurons (\(Set(taus).count) values); hm2bp uses one \(name == "tau_syn" ? "tauS" : "tauM") for the network")
                return nil
            }
            let value = discretization.steps(tau: taus[0], dt: dt)
            guard value >= 1, value <= Double(1 << 30) else {
                fail("\(name) \(taus[0]) s is \(value) steps at dt \(dt) s; hm2bp needs 1 ... 2^30 steps (\(name) >= dt)")
                return nil
            }
            return Float(value)
        }
        switch node.type {
        case "IF":
            tauM = NIRImporter.noLeakTau; tauS = 1
        default:
            tauM = steps(tauMem, node.type == "LIF" ? "tau" : "tau_mem") ?? 1
            tauS = node.type == "CubaLIF" ? (steps(tauSyn, "tau_syn") ?? 1) : 1
        }
        guard ok, let r, let wIn else { return nil }
        // The leak's own discretization sets the input gain: Euler dt/tau, exact 1 - exp(-dt/tau);
        // both equal 1/tauM. IF integrates exactly: v += r·I·dt.
        let inverseTau = node.type == "IF" ? dt : 1 / Double(tauM)
        gain = (0..<n).map { r[$0] * wIn[$0] * inverseTau }
    }
}

/// A small dense row-major matrix for composing chains of linear nodes.
struct Matrix {
    var rows: Int
    var columns: Int
    var values: [Double]

    static func identity(_ n: Int) -> Matrix {
        var m = Matrix(rows: n, columns: n, values: [Double](repeating: 0, count: n * n))
        for i in 0..<n { m[i, i] = 1 }
        return m
    }

    subscript(row: Int, column: Int) -> Double {
        get { values[row * columns + column] }
        set { values[row * columns + column] = newValue }
    }

    /// self · other
    func times(_ other: Matrix) -> Matrix {
        var result = Matrix(rows: rows, columns: other.columns, values: [Double](repeating: 0, count: rows * other.columns))
        for i in 0..<rows {
            for k in 0..<columns where self[i, k] != 0 {
                let a = self[i, k]
                for j in 0..<other.columns { result[i, j] += a * other[k, j] }
            }
        }
        return result
    }
}

extension NIRImporter {
    /// Reads a `.nir` file and imports it.
    public static func importFile(path: String, settings: NIRImportSettings) throws -> NIRImport {
        try importGraph(try NIRFile.read(path: path), path: path, settings: settings)
    }

    /// Whether a file is a NIR graph (an HDF5 file) rather than an hm2bp model: by its
    /// signature, so a renamed file is still recognised.
    public static func isNIRFile(path: String) -> Bool {
        guard let handle = FileHandle(forReadingAtPath: path) else { return path.hasSuffix(".nir") }
        defer { try? handle.close() }
        let head = (try? handle.read(upToCount: 8)) ?? Data()
        return Array(head) == [0x89, 0x48, 0x44, 0x46, 0x0D, 0x0A, 0x1A, 0x0A] || path.hasSuffix(".nir")
    }
}
