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
    public static let supportedTypes: Set<String> = ["Input", "Output", "Affine", "Linear", "Scale", "Flatten", "LIF", "CubaLIF", "IF"]
    static let convolutionTypes: Set<String> = ["Conv1d", "Conv2d", "SumPool2d", "AvgPool2d"]
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
            } else if convolutionTypes.contains(node.type) {
                problem(node.name, "\(node.type) is not supported yet: hm2bp has no convolutional layers (dense networks only)")
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
        // One tauM and one tauS for the whole network.
        let distinct = Set(neurons.values.map { [$0.tauM, $0.tauS] })
        if distinct.count > 1 {
            let listing = neurons.sorted { $0.key < $1.key }.map { "\($0.key) (\($0.value.kind): tauM \($0.value.tauM), tauS \($0.value.tauS) steps)" }
            for name in neurons.keys.sorted() {
                problem(name, "hm2bp uses one tauM and one tauS for the whole network, but the neuron nodes differ: \(listing.joined(separator: "; "))")
            }
        }
        var layers: [DenseLayer] = []
        var mappings: [NIRLayerMapping] = []
        var notes: [String] = []
        if let chain, problems.isEmpty {
            (layers, mappings) = buildLayers(chain, graph: graph, neurons: neurons, problem: problem)
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
        let model = Model(network: Network(constants: constants, layers: layers), provenance: provenance)
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

    /// Composes the linear nodes between neuron nodes into one weight matrix per layer and folds
    /// the neuron's gain (r·w_in/tauM) and per-neuron thresholds into it.
    static func buildLayers(_ chain: [NIRNode], graph: NIRGraph, neurons: [String: NeuronParameters],
                            problem: (String, String) -> Void) -> ([DenseLayer], [NIRLayerMapping]) {
        var layers: [DenseLayer] = [], mappings: [NIRLayerMapping] = []
        var width = 0
        var pending: Matrix?
        for node in chain {
            switch node.type {
            case "Input":
                guard let shape = node.numbers("shape"), !shape.values.isEmpty, shape.values.allSatisfy({ $0 >= 1 && $0 <= Double(1 << 24) }) else {
                    problem(node.name, "field shape is missing or not a list of positive sizes"); return ([], [])
                }
                width = shape.values.reduce(1) { $0 * Int($1) }
                guard width <= 1 << 24 else { problem(node.name, "\(width) inputs exceed 2^24"); return ([], []) }
            case "Flatten":
                continue
            case "Linear", "Affine":
                guard let weight = node.numbers("weight"), weight.shape.count == 2 else {
                    problem(node.name, "field weight must be a 2-D array (outputs, inputs)"); return ([], [])
                }
                let (rows, columns) = (weight.shape[0], weight.shape[1])
                guard columns == width else {
                    problem(node.name, "weight has \(columns) inputs but receives \(width) values"); return ([], [])
                }
                guard weight.values.allSatisfy(\.isFinite) else { problem(node.name, "weight holds a non-finite value"); return ([], []) }
                if let bias = node.numbers("bias"), bias.values.count != rows {
                    problem(node.name, "bias has \(bias.values.count) values for \(rows) outputs"); return ([], [])
                }
                let matrix = Matrix(rows: rows, columns: columns, values: weight.values)
                if let previous = pending {
                    // Bound the work and the result before multiplying consecutive linear nodes.
                    let (work, workOverflow) = rows.multipliedReportingOverflow(by: columns * previous.columns)
                    let (size, sizeOverflow) = rows.multipliedReportingOverflow(by: previous.columns)
                    guard !workOverflow, !sizeOverflow, work <= Self.maximumCompositionWork, size <= NIRFile.maximumElements else {
                        problem(node.name, "follows another linear node; combining them (\(rows) x \(columns) times \(previous.rows) x \(previous.columns)) exceeds hm2bp's limits")
                        return ([], [])
                    }
                }
                pending = pending.map { matrix.times($0) } ?? matrix
                width = rows
            case "Scale":
                guard let scale = node.numbers("scale"), scale.values.count == width, scale.values.allSatisfy(\.isFinite) else {
                    problem(node.name, "field scale must hold \(width) finite values"); return ([], [])
                }
                guard pending != nil || width * width <= NIRFile.maximumElements else {
                    problem(node.name, "scales \(width) values before any Linear node; hm2bp would need an identity layer that wide")
                    return ([], [])
                }
                var matrix = pending ?? Matrix.identity(width)
                for row in 0..<matrix.rows { for column in 0..<matrix.columns { matrix[row, column] *= scale.values[row] } }
                pending = matrix
            case "LIF", "CubaLIF", "IF":
                guard let neuron = neurons[node.name] else { return ([], []) }
                guard neuron.count == width else {
                    problem(node.name, "has \(neuron.count) neurons but receives \(width) values"); return ([], [])
                }
                guard pending != nil || width * width <= NIRFile.maximumElements else {
                    problem(node.name, "follows \(width) values without a Linear node; an identity layer that wide exceeds \(NIRFile.maximumElements) weights")
                    return ([], [])
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
                guard finite else { problem(node.name, "a weight times r·w_in/tauM is not a finite float32"); return ([], []) }
                layers.append(DenseLayer(inputCount: inputs, outputCount: outputs, threshold: threshold, weights: weights))
                mappings.append(NIRLayerMapping(node: node.name, neuron: node.type, inputs: inputs, outputs: outputs, tauM: neuron.tauM,
                                                tauS: neuron.tauS, threshold: threshold, rescaledNeurons: rescaled))
                pending = nil
            case "Output":
                if let shape = node.numbers("shape"), shape.values.reduce(1, *) != Double(width) {
                    problem(node.name, "shape \(shape.values.map { Int($0) }) does not hold the \(width) values it receives")
                    return ([], [])
                }
                if pending != nil {
                    problem(node.name, "is fed by a linear node, not by neurons: hm2bp networks end in a spiking layer")
                    return ([], [])
                }
            default:
                return ([], [])
            }
        }
        return (layers, mappings)
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
