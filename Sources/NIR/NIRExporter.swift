import Foundation
import SpikeModel

/// Writes an hm2bp model as a NIR graph: per layer a `Conv2d`, `AvgPool2d` or `Linear` and a
/// `CubaLIF`, with a `Flatten` after a convolutional front (docs/nir.md, "Export").
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
            lossy.append(NIRProblem(node: "layer \(network.spatialLayers.count + index + 1)", reason: "lateral inhibition \(layer.lateralInhibition): NIR has no such node, so other frameworks would run this layer without it"))
        }
        if constants.refractorySteps > 0 {
            lossy.append(NIRProblem(node: "constants", reason: "refractory period of \(constants.refractorySteps) steps: NIR's CubaLIF has none, so other frameworks would let neurons fire again at once"))
        }
        if !lossy.isEmpty && !options.dropUnsupported {
            throw NIRError.inexpressible(path: path, problems: lossy)
        }
        let dt = options.dt
        let tauM = Double(constants.tauM), tauS = Double(constants.tauS)
        func ints(_ values: [Int]) -> NIRValue { .numbers(NIRArray(values.map(Double.init), element: .int64)) }
        // Neuron parameters have the shape of the values they receive ([C, H, W] after a spatial
        // layer), as the `nir` package's type check expects.
        func neuronNode(_ name: String, shape: [Int], threshold: Double) -> NIRNode {
            func constant(_ value: Double) -> NIRValue { .numbers(NIRArray(shape: shape, values: [Double](repeating: value, count: shape.reduce(1, *)))) }
            return NIRNode(name: name, type: "CubaLIF", fields: [
                "tau_syn": constant(tauS * dt), "tau_mem": constant(tauM * dt),
                "r": constant(tauM), "w_in": constant(tauS),
                "v_leak": constant(0), "v_reset": constant(0), "v_threshold": constant(threshold),
            ])
        }
        func sides(_ map: FeatureMapShape) -> [Int] { [map.channels, map.height, map.width] }
        let inputShape = network.spatialLayers.first.map { sides($0.input) } ?? [network.inputCount]
        var nodes = [NIRNode(name: "input", type: "Input", fields: ["shape": ints(inputShape)])]
        var edges: [NIREdge] = []
        var previous = "input"
        func chain(_ node: NIRNode) {
            nodes.append(node)
            edges.append(NIREdge(previous, node.name))
            previous = node.name
        }
        // Layers are numbered through the whole network: conv1, cubalif1, pool2, cubalif2, ...
        for (index, layer) in network.spatialLayers.enumerated() {
            let k = index + 1
            switch layer {
            case .convolution(let conv):
                // hm2bp's (kernel, channel, row, column) is NIR's (C_out, C_in, kH, kW), element for
                // element; weights / tauS as for Linear.
                let size = conv.kernelSize
                chain(NIRNode(name: "conv\(k)", type: "Conv2d", fields: [
                    "weight": .numbers(NIRArray(shape: [conv.kernelCount, conv.input.channels, size, size], values: conv.weights.map { Double($0) / tauS })),
                    "bias": .numbers(NIRArray([Double](repeating: 0, count: conv.kernelCount))),
                    "stride": ints([1, 1]), "padding": ints([0, 0]), "dilation": ints([1, 1]), "groups": .scalar(1, .int64),
                    "input_shape": ints([conv.input.height, conv.input.width]),
                ]))
                chain(neuronNode("cubalif\(k)", shape: sides(conv.output), threshold: Double(conv.threshold)))
            case .pooling(let pool):
                // AvgPool2d weighs each window spike 1/P^2 and the CubaLIF's r·w_in/tau_mem = tauS;
                // hm2bp's pool neuron sees weight 1 against VTH, so NIR's threshold is VTH·tauS/P^2.
                let size = pool.size
                chain(NIRNode(name: "pool\(k)", type: "AvgPool2d", fields: [
                    "kernel_size": ints([size, size]), "stride": ints([size, size]), "padding": ints([0, 0]),
                ]))
                chain(neuronNode("cubalif\(k)", shape: sides(pool.output), threshold: Double(pool.threshold) * tauS / Double(size * size)))
            }
        }
        if let last = network.spatialLayers.last {
            chain(NIRNode(name: "flatten", type: "Flatten", fields: [
                "input_type": ints(sides(last.output)), "start_dim": .scalar(0, .int64), "end_dim": .scalar(-1, .int64),
            ]))
        }
        for (index, layer) in network.layers.enumerated() {
            let k = network.spatialLayers.count + index + 1
            let (inputs, outputs) = (layer.inputCount, layer.outputCount)
            // NIR orders weights (outputs, inputs); hm2bp stores them pre-major. With w_in = tauS
            // the NIR weight is the hm2bp weight / tauS (float64 keeps the division exact enough to
            // come back bit for bit).
            var weight = [Double](repeating: 0, count: inputs * outputs)
            for i in 0..<outputs { for j in 0..<inputs { weight[i * inputs + j] = Double(layer.weights[j * outputs + i]) / tauS } }
            chain(NIRNode(name: "linear\(k)", type: "Linear", fields: ["weight": .numbers(NIRArray(shape: [outputs, inputs], values: weight))]))
            chain(neuronNode("cubalif\(k)", shape: [outputs], threshold: Double(layer.threshold)))
        }
        chain(NIRNode(name: "output", type: "Output", fields: ["shape": ints([network.outputCount])]))
        let graph = NIRGraph(version: version, nodes: nodes, edges: edges, metadata: try StoredModelFields.metadata(for: model, dt: dt))
        return (graph, lossy.map { "\($0.node): \($0.reason) (kept only in hm2bp's metadata)" })
    }
}
