import Foundation
import NIR
import SpikeModel
import XCTest

/// Graphs built here, written with the HDF5 library and imported: the mapping and the refusals.
final class NIRImporterTests: XCTestCase {
    func numbers(_ values: [Double], shape: [Int]? = nil) -> NIRValue {
        .numbers(NIRArray(shape: shape ?? [values.count], values: values))
    }

    func write(_ graph: NIRGraph) throws -> String {
        let directory = try Fixtures.temporaryDirectory()
        addTeardownBlock { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/graph.nir"
        try NIRFile.write(graph, to: path)
        return path
    }

    /// A snnTorch-style CubaLIF layer (r = tau_mem/dt, w_in = tau_syn/dt) gives hm2bp weights
    /// W * tau_syn/dt; per-neuron thresholds are folded into the weights; Scale and Flatten fold
    /// into the matrix.
    func testCubaLIFMappingFoldsGainThresholdsAndScale() throws {
        let dt = 1e-3
        let graph = NIRGraph(version: "1.0.0", nodes: [
            NIRNode(name: "in", type: "Input", fields: ["shape": .numbers(NIRArray(shape: [2], values: [1, 3], element: .int64))]),
            NIRNode(name: "flat", type: "Flatten", fields: ["start_dim": .scalar(0, .int64), "end_dim": .scalar(-1, .int64)]),
            NIRNode(name: "scale", type: "Scale", fields: ["scale": numbers([1, 2, 0.5])]),
            NIRNode(name: "fc", type: "Affine", fields: ["weight": numbers([0.1, 0.2, 0.3, -0.4, 0.5, 0.6], shape: [2, 3]), "bias": numbers([0, 0])]),
            NIRNode(name: "lif", type: "CubaLIF", fields: [
                "tau_mem": numbers([0.032, 0.032]), "tau_syn": numbers([0.004, 0.004]), "r": numbers([32, 32]),
                "w_in": numbers([4, 4]), "v_leak": numbers([0, 0]), "v_threshold": numbers([1, 2]), "v_reset": numbers([0, 0]),
            ]),
            NIRNode(name: "out", type: "Output", fields: ["shape": .numbers(NIRArray([2], element: .int64))]),
        ], edges: [NIREdge("in", "flat"), NIREdge("flat", "scale"), NIREdge("scale", "fc"), NIREdge("fc", "lif"), NIREdge("lif", "out")])
        let result = try NIRImporter.importFile(path: try write(graph), settings: NIRImportSettings(dt: dt, timeSteps: 20))
        let network = result.model.network
        XCTAssertEqual(network.constants, NeuronConstants(tauM: 32, tauS: 4, refractorySteps: 0, timeSteps: 20))
        XCTAssertEqual(network.architecture, [3, 2])
        let layer = network.layers[0]
        XCTAssertEqual(layer.threshold, 1)
        // w_h = W * scale_j * r * w_in / tauM (= W * scale_j * 4), neuron 1 also * (1 / 2).
        let expected: [[Double]] = [[0.1 * 1 * 4, 0.2 * 2 * 4, 0.3 * 0.5 * 4], [-0.4 * 1 * 2, 0.5 * 2 * 2, 0.6 * 0.5 * 2]]
        for i in 0..<2 { for j in 0..<3 { XCTAssertEqual(Double(layer.weight(from: j, to: i)), expected[i][j], accuracy: 1e-6) } }
        XCTAssertEqual(result.layers[0].rescaledNeurons, 1)
        XCTAssertEqual(result.notes.count, 1)
    }

    /// IF neurons integrate without leak: tauM 2^30 (no float32 leak at all) and gain r * dt.
    func testIFNeuronsIntegrateWithoutLeak() throws {
        let graph = NIRGraph(version: "1.0.0", nodes: [
            NIRNode(name: "in", type: "Input", fields: ["shape": .numbers(NIRArray([1], element: .int64))]),
            NIRNode(name: "w", type: "Linear", fields: ["weight": numbers([3], shape: [1, 1])]),
            NIRNode(name: "if", type: "IF", fields: ["r": numbers([100]), "v_threshold": numbers([1])]),
            NIRNode(name: "out", type: "Output", fields: ["shape": .numbers(NIRArray([1], element: .int64))]),
        ], edges: [NIREdge("in", "w"), NIREdge("w", "if"), NIREdge("if", "out")])
        let model = try NIRImporter.importFile(path: try write(graph), settings: NIRImportSettings(dt: 1e-3, timeSteps: 10)).model
        XCTAssertEqual(model.network.constants.tauM, NIRImporter.noLeakTau)
        XCTAssertEqual(model.network.layers[0].weights[0], 0.3, accuracy: 1e-7)
        // Input every step: v = 0.3 k at step k (no leak), so the first spike is at step 4 (1.2 > 1).
        var raster = SpikeRaster(neuronCount: 1, timeSteps: 10)
        for _ in 0..<10 { raster.appendStep([Int32(0)]) }
        let (spikes, trace) = FloatSimulator.traceLayer(model.network.layers[0], constants: model.network.constants, input: raster)
        XCTAssertEqual(trace.membrane[3], 0.9, accuracy: 1e-6)
        XCTAssertEqual(spikes.spikeTimes()[0].first, 4)
    }

    /// Power-of-two rounding moves the taus to 2^k and re-derives the weights from the rounded
    /// tauM, reporting the error per layer.
    func testPowerOfTwoRoundingReportsTheErrorPerLayer() throws {
        let settings = NIRImportSettings(dt: 1e-4, timeSteps: 100, powerOfTwoTaus: true)
        let result = try NIRImporter.importFile(path: Fixtures.path("lif_norse.nir"), settings: settings)
        XCTAssertEqual(result.model.network.constants.tauM, 32)
        let rounding = try XCTUnwrap(result.layers[0].tauMRounding)
        XCTAssertEqual(rounding.exact, 25, accuracy: 1e-9)
        XCTAssertEqual(rounding.relativeTauError, 0.28, accuracy: 1e-12)
        XCTAssertEqual(rounding.decayError, 0.96875 - 0.96, accuracy: 1e-12)
        XCTAssertEqual(result.model.network.layers[0].weights[0], 1 / 32)
    }

    /// One graph with many faults: every offending node is named in one refusal.
    func testRefusalNamesEveryOffendingNode() throws {
        let lif: [String: NIRValue] = ["tau": numbers([0.01, 0.01]), "r": numbers([1, 1]), "v_leak": numbers([0, 0]), "v_threshold": numbers([1, 1])]
        var leaky = lif; leaky["v_leak"] = numbers([0, 0.5])
        var resetting = lif; resetting["v_reset"] = numbers([-1, 0])
        let graph = NIRGraph(version: "1.0.0", nodes: [
            NIRNode(name: "in", type: "Input", fields: ["shape": .numbers(NIRArray([2], element: .int64))]),
            NIRNode(name: "conv", type: "Conv2d", fields: ["weight": numbers([Double](repeating: 1, count: 9), shape: [1, 1, 3, 3]), "stride": numbers([2, 2])]),
            NIRNode(name: "fc", type: "Affine", fields: ["weight": numbers([1, 0, 0, 1], shape: [2, 2]), "bias": numbers([0.1, 0])]),
            NIRNode(name: "leaky", type: "LIF", fields: leaky),
            NIRNode(name: "rec", type: "Linear", fields: ["weight": numbers([0, -1, -1, 0], shape: [2, 2])]),
            NIRNode(name: "resetting", type: "LIF", fields: resetting),
            NIRNode(name: "delay", type: "Delay", fields: ["delay": numbers([1, 1])]),
            NIRNode(name: "out", type: "Output", fields: ["shape": .numbers(NIRArray([2], element: .int64))]),
        ], edges: [NIREdge("in", "conv"), NIREdge("conv", "fc"), NIREdge("fc", "leaky"), NIREdge("leaky", "rec"), NIREdge("rec", "leaky"),
                   NIREdge("leaky", "resetting"), NIREdge("resetting", "delay"), NIREdge("delay", "out")])
        XCTAssertThrowsError(try NIRImporter.importFile(path: try write(graph), settings: NIRImportSettings(dt: 1e-3, timeSteps: 10))) { error in
            guard case NIRError.unrepresentable(_, let problems) = error else { return XCTFail("\(error)") }
            let named = Set(problems.map(\.node))
            XCTAssertEqual(named, ["conv", "fc", "leaky", "resetting", "delay"], "\(problems)")
            let text = "\(error)"
            for phrase in ["conv: stride 2 x 2; hm2bp convolutions have stride 1", "bias is non-zero", "v_leak is 0.5", "recurrent edge rec -> leaky", "v_reset is -1", "Delay has no hm2bp equivalent"] {
                XCTAssertTrue(text.contains(phrase), "missing '\(phrase)' in:\n\(text)")
            }
        }
    }

    /// Layers with different taus cannot share hm2bp's network-wide constants: both are named.
    func testDifferentTausAcrossLayersAreRefused() throws {
        func lif(_ tau: Double) -> [String: NIRValue] {
            ["tau": numbers([tau]), "r": numbers([1]), "v_leak": numbers([0]), "v_threshold": numbers([1])]
        }
        let graph = NIRGraph(version: "1.0.0", nodes: [
            NIRNode(name: "in", type: "Input", fields: ["shape": .numbers(NIRArray([1], element: .int64))]),
            NIRNode(name: "a", type: "LIF", fields: lif(0.01)),
            NIRNode(name: "w", type: "Linear", fields: ["weight": numbers([1], shape: [1, 1])]),
            NIRNode(name: "b", type: "LIF", fields: lif(0.02)),
            NIRNode(name: "out", type: "Output", fields: ["shape": .numbers(NIRArray([1], element: .int64))]),
        ], edges: [NIREdge("in", "a"), NIREdge("a", "w"), NIREdge("w", "b"), NIREdge("b", "out")])
        XCTAssertThrowsError(try NIRImporter.importFile(path: try write(graph), settings: NIRImportSettings(dt: 1e-3, timeSteps: 10))) { error in
            guard case NIRError.unrepresentable(_, let problems) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(problems.map(\.node), ["a", "b"])
            XCTAssertTrue(problems[0].reason.contains("tauM 10.0") && problems[0].reason.contains("tauM 20.0"), problems[0].reason)
        }
    }

    func testMissingDtAndBadFilesAreNamed() throws {
        XCTAssertThrowsError(try NIRImporter.importFile(path: Fixtures.path("lif_norse.nir"), settings: NIRImportSettings(timeSteps: 10))) { error in
            guard case NIRError.missingSetting(_, let reason) = error else { return XCTFail("\(error)") }
            XCTAssertTrue(reason.contains("--dt"))
        }
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let notHDF5 = directory + "/x.nir"
        try Data("not a graph".utf8).write(to: URL(fileURLWithPath: notHDF5))
        XCTAssertThrowsError(try NIRFile.read(path: notHDF5)) { XCTAssertTrue("\($0)".contains("x.nir: not a NIR file"), "\($0)") }
        // A truncated copy of a real file.
        let bytes = try Data(contentsOf: URL(fileURLWithPath: Fixtures.path("lif_norse.nir")))
        let truncated = directory + "/cut.nir"
        try bytes.prefix(bytes.count / 2).write(to: URL(fileURLWithPath: truncated))
        XCTAssertThrowsError(try NIRFile.read(path: truncated)) { XCTAssertTrue("\($0)".contains("cut.nir"), "\($0)") }
    }
}
