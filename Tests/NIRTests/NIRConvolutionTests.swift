import Foundation
import NIR
import SpikeModel
import XCTest

/// NIR's Conv2d, SumPool2d, AvgPool2d and Flatten onto hm2bp's spatial layers and back
/// (docs/nir.md, sections 2, 3 and 5).
final class NIRConvolutionTests: XCTestCase {
    func numbers(_ values: [Double], shape: [Int]? = nil, element: NIRArray.Element = .float64) -> NIRValue {
        .numbers(NIRArray(shape: shape ?? [values.count], values: values, element: element))
    }
    func ints(_ values: [Int]) -> NIRValue { numbers(values.map(Double.init), element: .int64) }

    func write(_ graph: NIRGraph) throws -> String {
        let directory = try Fixtures.temporaryDirectory()
        addTeardownBlock { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/graph.nir"
        try NIRFile.write(graph, to: path)
        return path
    }

    /// A seeded value in -1 ... 1 in steps of 1/16 (dyadic: sums of them are exact in float32).
    struct Dyadic {
        var state: UInt64
        mutating func next() -> Double {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Double(Int(state >> 33) % 33 - 16) / 16
        }
    }

    func cubaLIF(_ name: String, shape: [Int], threshold: Double, tauMem: Double = 8e-3, tauSyn: Double = 4e-3, r: Double = 1, wIn: Double = 1) -> NIRNode {
        func constant(_ value: Double) -> NIRValue { numbers([Double](repeating: value, count: shape.reduce(1, *)), shape: shape) }
        return NIRNode(name: name, type: "CubaLIF", fields: [
            "tau_mem": constant(tauMem), "tau_syn": constant(tauSyn), "r": constant(r), "w_in": constant(wIn),
            "v_leak": constant(0), "v_reset": constant(0), "v_threshold": constant(threshold)])
    }

    func conv(_ name: String, weight: [Double], shape: [Int], inputShape: [Int]? = nil, stride: Int = 1, padding: Int = 0, dilation: Int = 1,
              groups: Int = 1, bias: [Double]? = nil) -> NIRNode {
        var fields: [String: NIRValue] = [
            "weight": numbers(weight, shape: shape), "stride": ints([stride, stride]), "padding": ints([padding, padding]),
            "dilation": ints([dilation, dilation]), "groups": .scalar(Double(groups), .int64),
            "bias": numbers(bias ?? [Double](repeating: 0, count: shape[0])),
        ]
        if let inputShape { fields["input_shape"] = ints(inputShape) }
        return NIRNode(name: name, type: "Conv2d", fields: fields)
    }

    func pool(_ name: String, type: String, kernel: [Int], stride: [Int], padding: [Int] = [0, 0]) -> NIRNode {
        NIRNode(name: name, type: type, fields: ["kernel_size": ints(kernel), "stride": ints(stride), "padding": ints(padding)])
    }

    /// Input [2, 6, 8] -> Conv2d 3 x 2 x 3 x 3 -> CubaLIF [3, 4, 6] -> AvgPool2d 2 -> CubaLIF
    /// [3, 2, 3] -> Flatten -> Linear 4 x 18 -> CubaLIF [4] -> Output: an asymmetric kernel on
    /// non-square maps, so a row/column or channel mix-up shows.
    func cnnGraph(seed: UInt64 = 7, poolType: String = "AvgPool2d") -> (graph: NIRGraph, convWeights: [Double], linearWeights: [Double]) {
        var random = Dyadic(state: seed)
        let convWeights = (0..<(3 * 2 * 3 * 3)).map { _ in random.next() }
        let linearWeights = (0..<(4 * 18)).map { _ in random.next() }
        let graph = NIRGraph(version: "1.0.8", nodes: [
            NIRNode(name: "input", type: "Input", fields: ["shape": ints([2, 6, 8])]),
            conv("conv", weight: convWeights, shape: [3, 2, 3, 3], inputShape: [6, 8]),
            cubaLIF("lif_conv", shape: [3, 4, 6], threshold: 0.25),
            pool("pool", type: poolType, kernel: [2, 2], stride: [2, 2]),
            cubaLIF("lif_pool", shape: [3, 2, 3], threshold: 0.125),
            NIRNode(name: "flatten", type: "Flatten", fields: ["input_type": ints([3, 2, 3]), "start_dim": .scalar(0, .int64), "end_dim": .scalar(-1, .int64)]),
            NIRNode(name: "fc", type: "Linear", fields: ["weight": numbers(linearWeights, shape: [4, 18])]),
            cubaLIF("lif_fc", shape: [4], threshold: 0.5),
            NIRNode(name: "output", type: "Output", fields: ["shape": ints([4])]),
        ], edges: [NIREdge("input", "conv"), NIREdge("conv", "lif_conv"), NIREdge("lif_conv", "pool"), NIREdge("pool", "lif_pool"),
                   NIREdge("lif_pool", "flatten"), NIREdge("flatten", "fc"), NIREdge("fc", "lif_fc"), NIREdge("lif_fc", "output")])
        return (graph, convWeights, linearWeights)
    }

    /// The documented mapping: conv weight (a, c, p, q) -> hm2bp kernel a, channel c, row p,
    /// column q times r·w_in/tauM; AvgPool2d's 1/P^2 and the gain fold into the pool threshold;
    /// Flatten's C-order is hm2bp's channel-major order.
    func testConvolutionAndPoolingImportWithTheDocumentedParameters() throws {
        let (graph, convWeights, linearWeights) = cnnGraph()
        let imported = try NIRImporter.importFile(path: try write(graph), settings: NIRImportSettings(dt: 1e-3, timeSteps: 20))
        let network = imported.model.network
        XCTAssertEqual(network.architectureName, "6x8x2-3C3-P2-4")
        XCTAssertEqual(network.constants, NeuronConstants(tauM: 8, tauS: 4, refractorySteps: 0, timeSteps: 20))
        XCTAssertEqual(imported.layers.map(\.layer), ["convolution", "pooling", "dense"])
        XCTAssertEqual(imported.layers.map(\.node), ["lif_conv", "lif_pool", "lif_fc"])
        guard case .convolution(let conv) = network.spatialLayers[0], case .pooling(let pool) = network.spatialLayers[1] else {
            return XCTFail("expected a convolution and a pooling layer, got \(network.spatialLayers)")
        }
        let gain = 1.0 / 8 // r·w_in/tauM
        XCTAssertEqual(conv.input, FeatureMapShape(channels: 2, height: 6, width: 8))
        XCTAssertEqual(conv.kernelSize, 3)
        XCTAssertEqual(conv.threshold, 0.25)
        for a in 0..<3 { for c in 0..<2 { for p in 0..<3 { for q in 0..<3 {
            let nir = convWeights[((a * 2 + c) * 3 + p) * 3 + q] // NIR weight[a][c][p][q]
            XCTAssertEqual(Double(conv.weight(kernel: a, channel: c, row: p, column: q)), nir * gain, "kernel \(a) channel \(c) row \(p) column \(q)")
        } } } }
        XCTAssertEqual(pool.size, 2)
        XCTAssertEqual(Double(pool.threshold), 0.125 * 4 / gain, "v_threshold · P^2 / (r·w_in/tauM)")
        // Flatten: NIR input (c, row, column) of the [3, 2, 3] maps is column c·6 + row·3 + column.
        let dense = network.layers[0]
        for i in 0..<4 { for c in 0..<3 { for row in 0..<2 { for column in 0..<3 {
            let j = pool.output.index(channel: c, row: row, column: column)
            XCTAssertEqual(Double(dense.weight(from: j, to: i)), linearWeights[i * 18 + (c * 6 + row * 3 + column)] * gain)
        } } } }

        // SumPool2d: window weight 1, so the threshold is v_threshold / gain.
        let summed = try NIRImporter.importFile(path: try write(cnnGraph(poolType: "SumPool2d").graph), settings: NIRImportSettings(dt: 1e-3, timeSteps: 20))
        XCTAssertEqual(summed.model.network.spatialLayers[1].threshold, Float(0.125 / gain))
    }

    /// The imported front simulated by FloatSimulator (what `hm2bp eval` runs) spikes exactly as
    /// NIR's CubaLIF equations, forward Euler at dt with one step of delay per layer (docs/nir.md,
    /// section 3), computed here straight from the NIR tensors. Weights are multiples of 1/16 and
    /// every gain a power of two, so both sides compute the same float32 values up to a power-of-two
    /// scale, step for step; the only other difference is the pooling layer's VTH - 1e-6 spike test
    /// (the reference's quirk), and no reference membrane comes within 1e-5 of its threshold.
    func testImportedFrontSpikesAsTheNIREquations() throws {
        let (graph, convWeights, _) = cnnGraph(seed: 11)
        let steps = 40
        let model = try NIRImporter.importFile(path: try write(graph), settings: NIRImportSettings(dt: 1e-3, timeSteps: steps)).model
        var random = Dyadic(state: 5)
        // Input spikes x[t][c][row][column], about one in three.
        var input = [[Bool]](repeating: [], count: steps)
        for t in 0..<steps { input[t] = (0..<(2 * 6 * 8)).map { _ in random.next() > 0.3 } }
        var raster = SpikeRaster(neuronCount: 96, timeSteps: steps)
        for t in 0..<steps { raster.appendStep(input[t].indices.filter { input[t][$0] }.map { Int32($0) }) }
        let outputs = FloatSimulator.run(model.network, input: raster, parallel: false)

        // NIR CubaLIF, Euler at dt: I += (w_in/tau_syn steps)·in - I/tauS; v += (r/tauM)·I - v/tauM.
        let tauM: Float = 8, tauS: Float = 4
        var closest: Float = .infinity
        func simulate(count: Int, threshold: Float, input drive: (Int, Int) -> Float) -> [[Bool]] {
            var current = [Float](repeating: 0, count: count), v = current
            var spikes = [[Bool]](repeating: [Bool](repeating: false, count: count), count: steps)
            for t in 1..<steps {
                for k in 0..<count {
                    current[k] = (current[k] - current[k] / tauS) + drive(t - 1, k) / tauS
                    v[k] = (v[k] - v[k] / tauM) + current[k] / tauM
                    closest = min(closest, abs(v[k] - threshold))
                    if v[k] > threshold { spikes[t][k] = true; v[k] = 0 }
                }
            }
            return spikes
        }
        let convSpikes = simulate(count: 3 * 4 * 6, threshold: 0.25) { t, k in
            let a = k / 24, x = k % 24 / 6, y = k % 6
            var sum: Float = 0
            for c in 0..<2 { for p in 0..<3 { for q in 0..<3 where input[t][(c * 6 + x + p) * 8 + y + q] {
                sum += Float(convWeights[((a * 2 + c) * 3 + p) * 3 + q])
            } } }
            return sum
        }
        let poolSpikes = simulate(count: 3 * 2 * 3, threshold: 0.125) { t, k in
            let c = k / 6, x = k % 6 / 3, y = k % 3
            var sum: Float = 0
            for p in 0..<2 { for q in 0..<2 where convSpikes[t][(c * 4 + 2 * x + p) * 6 + 2 * y + q] { sum += 1 } }
            return sum / 4
        }
        XCTAssertGreaterThan(closest, 1e-5, "a membrane this close to threshold would make the 1e-6 quirk matter")
        for (name, reference, simulated) in [("conv", convSpikes, outputs[0]), ("pool", poolSpikes, outputs[1])] {
            let expected = reference.map { step in step.indices.filter { step[$0] }.map { Int32($0) } }
            let have = (0..<steps).map { Array(simulated.firing(at: $0)) }
            XCTAssertEqual(have, expected, name)
            XCTAssertGreaterThan(expected.joined().count, 10, "\(name) fires, so the comparison says something")
        }
    }

    /// Every node hm2bp's spatial layers cannot hold is named at once, with its reason.
    func testInexpressibleConvolutionAndPoolingAreRefusedNamingEachNode() throws {
        let graph = NIRGraph(version: "1.0.8", nodes: [
            NIRNode(name: "input", type: "Input", fields: ["shape": ints([1, 8, 8])]),
            conv("strided", weight: [Double](repeating: 0.5, count: 9), shape: [1, 1, 3, 3], stride: 2),
            conv("padded", weight: [Double](repeating: 0.5, count: 9), shape: [1, 1, 3, 3], padding: 1, bias: [0.25]),
            conv("dilated", weight: [Double](repeating: 0.5, count: 18), shape: [2, 1, 3, 3], dilation: 2, groups: 2),
            conv("oblong", weight: [Double](repeating: 0.5, count: 6), shape: [1, 1, 2, 3]),
            pool("overlapping", type: "AvgPool2d", kernel: [2, 2], stride: [1, 1], padding: [1, 1]),
            pool("rectangular", type: "SumPool2d", kernel: [2, 3], stride: [2, 3]),
            NIRNode(name: "output", type: "Output", fields: ["shape": ints([64])]),
        ], edges: [NIREdge("input", "strided"), NIREdge("strided", "padded"), NIREdge("padded", "dilated"), NIREdge("dilated", "oblong"),
                   NIREdge("oblong", "overlapping"), NIREdge("overlapping", "rectangular"), NIREdge("rectangular", "output")])
        XCTAssertThrowsError(try NIRImporter.importFile(path: try write(graph), settings: NIRImportSettings(dt: 1e-3, timeSteps: 10))) { error in
            guard case NIRError.unrepresentable(_, let problems) = error else { return XCTFail("\(error)") }
            let text = "\(error)"
            XCTAssertEqual(Set(problems.map(\.node)), ["strided", "padded", "dilated", "oblong", "overlapping", "rectangular"], text)
            for phrase in ["strided: stride 2 x 2", "padded: padding 1 x 1", "padded: bias is non-zero", "dilated: dilation 2 x 2",
                           "dilated: groups 2", "oblong: kernel 2 x 3 is not square", "overlapping: stride 1 x 1 differs from kernel_size 2 x 2",
                           "overlapping: padding 1 x 1", "rectangular: kernel_size 2 x 3 is not square"] {
                XCTAssertTrue(text.contains(phrase), "\(phrase) in \(text)")
            }
        }
    }

    /// Structure the spatial layers cannot take: a conv straight into a pool (no neuron between),
    /// a Linear on maps without a Flatten, maps a pool window does not divide.
    func testConvolutionNeedsItsOwnNeuronAndAFlattenBeforeLinear() throws {
        func graph(_ middle: [NIRNode]) -> NIRGraph {
            let names = ["input"] + middle.map(\.name) + ["output"]
            return NIRGraph(version: "1.0.8", nodes: [NIRNode(name: "input", type: "Input", fields: ["shape": ints([1, 5, 5])])] + middle
                            + [NIRNode(name: "output", type: "Output", fields: ["shape": ints([2])])],
                            edges: zip(names, names.dropFirst()).map { NIREdge($0, $1) })
        }
        let kernel = conv("conv", weight: [Double](repeating: 0.5, count: 9), shape: [1, 1, 3, 3])
        let cases: [(NIRGraph, String)] = [
            (graph([kernel, pool("pool", type: "SumPool2d", kernel: [3, 3], stride: [3, 3]), cubaLIF("lif", shape: [1, 1, 1], threshold: 1)]),
             "conv: is followed by pool (SumPool2d), not by a neuron node"),
            (graph([kernel, cubaLIF("lif", shape: [1, 3, 3], threshold: 1), NIRNode(name: "fc", type: "Linear", fields: ["weight": numbers([Double](repeating: 1, count: 18), shape: [2, 9])]),
                    cubaLIF("lif2", shape: [2], threshold: 1)]),
             "fc: follows feature maps without a Flatten node"),
            (graph([pool("pool", type: "AvgPool2d", kernel: [2, 2], stride: [2, 2]), cubaLIF("lif", shape: [1, 2, 2], threshold: 1)]),
             "pool: the 5 x 5 maps are not a multiple of the 2 x 2 window"),
        ]
        for (graph, message) in cases {
            XCTAssertThrowsError(try NIRImporter.importFile(path: try write(graph), settings: NIRImportSettings(dt: 1e-3, timeSteps: 10))) { error in
                XCTAssertTrue("\(error)".contains(message), "\(message) in \(error)")
            }
        }
    }

    /// A 1 x 1 convolution to 4096 maps of 4096 x 4096 (2^36 neurons) is refused by size before
    /// anything is allocated for its maps.
    func testOversizedMapsAreRefusedBeforeAllocation() throws {
        let graph = NIRGraph(version: "1.0.8", nodes: [
            NIRNode(name: "input", type: "Input", fields: ["shape": ints([1, 4096, 4096])]),
            conv("wide", weight: [Double](repeating: 0.5, count: 4096), shape: [4096, 1, 1, 1]),
            cubaLIF("lif", shape: [1], threshold: 1),
            NIRNode(name: "flatten", type: "Flatten", fields: [:]),
            NIRNode(name: "fc", type: "Linear", fields: ["weight": numbers([1], shape: [1, 1])]),
            cubaLIF("lif_fc", shape: [1], threshold: 1),
            NIRNode(name: "output", type: "Output", fields: ["shape": ints([1])]),
        ], edges: [NIREdge("input", "wide"), NIREdge("wide", "lif"), NIREdge("lif", "flatten"), NIREdge("flatten", "fc"),
                   NIREdge("fc", "lif_fc"), NIREdge("lif_fc", "output")])
        XCTAssertThrowsError(try NIRImporter.importFile(path: try write(graph), settings: NIRImportSettings(dt: 1e-3, timeSteps: 10))) { error in
            XCTAssertTrue("\(error)".contains("wide: gives 4096 maps of 4096 x 4096, more than 2^24"), "\(error)")
        }
    }

    /// A small random 12x12-4C3-P2-10 model and the committed trained CNN come back bit for bit,
    /// and the graph holds Conv2d, AvgPool2d, Flatten and Linear with the documented parameters.
    func testCNNComesBackBitForBit() throws {
        let small = Fixtures.cnnModel()
        guard case .convolution(let conv) = small.network.spatialLayers[0] else { return XCTFail("a convolution first") }
        let trained = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Models/mnist-cnn-28x28-15C5-P2-40C5-P2-300-10/model.hm2bp").standardized.path
        var models = [("12x12-4C3-P2-10", small)]
        if FileManager.default.fileExists(atPath: trained) { models.append(("committed CNN", try ModelFile.read(path: trained))) }
        XCTAssertEqual(models.count, 2, "the committed CNN is part of the repository")
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        for (name, model) in models {
            let path = directory + "/\(models.firstIndex { $0.0 == name }!).nir"
            let (graph, _) = try NIRExporter.export(model, path: name, options: .init(dt: 1e-3, dropUnsupported: true))
            try NIRFile.write(graph, to: path)
            let back = try NIRImporter.importFile(path: path, settings: NIRImportSettings()).model
            XCTAssertEqual(try ModelFile.encode(back), try ModelFile.encode(model), name)
        }
        let (graph, _) = try NIRExporter.export(small, path: "small", options: .init(dt: 1e-3))
        XCTAssertEqual(graph.nodes.map(\.type), ["Input", "Conv2d", "CubaLIF", "AvgPool2d", "CubaLIF", "Flatten", "Linear", "CubaLIF", "Output"])
        XCTAssertEqual(graph.node(named: "input")?.numbers("shape")?.values, [1, 12, 12])
        let weight = try XCTUnwrap(graph.node(named: "conv1")?.numbers("weight"))
        XCTAssertEqual(weight.shape, [4, 1, 3, 3])
        XCTAssertEqual(weight.values[((2 * 1 + 0) * 3 + 1) * 3 + 2], Double(conv.weight(kernel: 2, channel: 0, row: 1, column: 2)) / 5)
        XCTAssertEqual(graph.node(named: "cubalif1")?.numbers("v_threshold")?.shape, [4, 10, 10])
        XCTAssertEqual(graph.node(named: "cubalif2")?.numbers("v_threshold")?.values.first ?? 0, 0.6 * 5 / 4, accuracy: 1e-7, "VTH · tauS / P^2")
        XCTAssertEqual(graph.node(named: "pool2")?.numbers("kernel_size")?.values, [2, 2])
        XCTAssertEqual(graph.node(named: "linear3")?.numbers("weight")?.shape, [10, 100])
    }
}
