import Foundation
import SpikeModel

/// Writes an hm2bp model as a NIR graph: per layer a `Linear` and a `CubaLIF` (docs/nir.md, "Export").
public enum NIRExporter {
    /// The NIR format version written (the layout of the reference `nir` package 1.0).
    public static let version = "1.0.0"

    public struct Options: Sendable {
        /// Seconds per hm2bp step.
        public var dt: Double
        /// Export even where NIR cannot express the model (lateral inhibition, refractory period),
        /// dropping those from the NIR neurons (they stay in hm2bp's own metadata).
        public var dropUnsupported: Bool
        public init(dt: Double = 1e-3, dropUnsupported: Bool = false) {
            self.dt = dt
            self.dropUnsupported = dropUnsupported
        }
    }

    /// The graph and, when `dropUnsupported` let it through, what other frameworks will not see.
    public static func export(_ model: Model, path: String, options: Options) throws -> (graph: NIRGraph, warnings: [String]) {
        guard options.dt.isFinite, options.dt > 0, options.dt <= 1 else {
            throw NIRError.missingSetting(path: path, reason: "--dt must be a number of seconds in (0, 1] (got \(options.dt))")
        }
        let network = model.network
        let constants = network.constants
        var lossy: [NIRProblem] = []
        for (index, layer) in network.layers.enumerated() where layer.lateralInhibition != 0 {
            lossy.append(NIRProblem(node: "layer \(index + 1)", reason: "lateral inhibition \(layer.lateralInhibition): NIR has no such node, so other frameworks would run this layer without it"))
        }
        if constants.refractorySteps > 0 {
            lossy.append(NIRProblem(node: "constants", reason: "refractory period of \(constants.refractorySteps) steps: NIR's CubaLIF has none, so other frameworks would let neurons fire again at once"))
        }
        if !lossy.isEmpty && !options.dropUnsupported {
            throw NIRError.inexpressible(path: path, problems: lossy)
        }
        let dt = options.dt
        let tauM = Double(constants.tauM), tauS = Double(constants.tauS)
        var nodes = [NIRNode(name: "input", type: "Input", fields: ["shape": .numbers(NIRArray([Double(network.inputCount)], element: .int64))])]
        var edges: [NIREdge] = []
        var previous = "input"
        for (index, layer) in network.layers.enumerated() {
            let linear = "linear\(index + 1)", neuron = "cubalif\(index + 1)"
            let (inputs, outputs) = (layer.inputCount, layer.outputCount)
            // NIR orders weights (outputs, inputs); hm2bp stores them pre-major. With w_in = tauS
            // the NIR weight is the hm2bp weight / tauS (float64 keeps the division exact enough to
            // come back bit for bit).
            var weight = [Double](repeating: 0, count: inputs * outputs)
            for i in 0..<outputs { for j in 0..<inputs { weight[i * inputs + j] = Double(layer.weights[j * outputs + i]) / tauS } }
            nodes.append(NIRNode(name: linear, type: "Linear", fields: ["weight": .numbers(NIRArray(shape: [outputs, inputs], values: weight))]))
            func perNeuron(_ value: Double) -> NIRValue { .numbers(NIRArray([Double](repeating: value, count: outputs))) }
            nodes.append(NIRNode(name: neuron, type: "CubaLIF", fields: [
                "tau_syn": perNeuron(tauS * dt), "tau_mem": perNeuron(tauM * dt),
                "r": perNeuron(tauM), "w_in": perNeuron(tauS),
                "v_leak": perNeuron(0), "v_reset": perNeuron(0), "v_threshold": perNeuron(Double(layer.threshold)),
            ]))
            edges.append(NIREdge(previous, linear))
            edges.append(NIREdge(linear, neuron))
            previous = neuron
        }
        nodes.append(NIRNode(name: "output", type: "Output", fields: ["shape": .numbers(NIRArray([Double(network.outputCount)], element: .int64))]))
        edges.append(NIREdge(previous, "output"))
        let graph = NIRGraph(version: version, nodes: nodes, edges: edges, metadata: try StoredModelFields.metadata(for: model, dt: dt))
        return (graph, lossy.map { "\($0.node): \($0.reason) (kept only in hm2bp's metadata)" })
    }
}
