import Foundation
import NIR
import SpikeModel
import XCTest

/// Against the reference NIR package (PyPI `nir`, run through python/run.sh, which installs it
/// with pip when python3 lacks it): graphs it writes import with the parameters docs/nir.md
/// gives, and what hm2bp exports reads back with `nir.read` with the expected shapes and values.
final class PythonInteropTests: XCTestCase {
    func python(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [Fixtures.pythonFolder.appendingPathComponent("run.sh").path] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    struct Expected: Decodable {
        struct Layer: Decodable {
            var threshold: Float
            var weights: [Double]
        }
        struct Graph: Decodable {
            var file: String
            var dt: Double?
            var tauM: Double?
            var tauS: Double?
            var thresholds: [Float]?
            var architecture: [Int]?
            var architectureName: String?
            /// Per spatial layer (convolution, pooling): its threshold and weights (none for pooling).
            var spatial: [Layer]?
            var weights: [[Double]]?
            var refusedNodes: [String]?
        }
        var nirVersion: String
        var graphs: [Graph]
    }

    func testGraphsWrittenByTheNIRPackageImportWithTheDocumentedParameters() throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let run = try python(["write", directory])
        XCTAssertEqual(run.status, 0, run.output)
        let expected = try JSONDecoder().decode(Expected.self, from: Data(contentsOf: URL(fileURLWithPath: directory + "/expected.json")))
        XCTAssertEqual(expected.graphs.count, 4)
        for graph in expected.graphs {
            let path = directory + "/" + graph.file
            XCTAssertEqual(try NIRFile.read(path: path).version, expected.nirVersion)
            if let refused = graph.refusedNodes {
                XCTAssertThrowsError(try NIRImporter.importFile(path: path, settings: NIRImportSettings(dt: 1e-3, timeSteps: 10))) { error in
                    guard case NIRError.unrepresentable(_, let problems) = error else { return XCTFail("\(error)") }
                    XCTAssertEqual(Set(problems.map(\.node)), Set(refused), "\(error)")
                }
                continue
            }
            let model = try NIRImporter.importFile(path: path, settings: NIRImportSettings(dt: graph.dt, timeSteps: 30)).model
            let network = model.network
            XCTAssertEqual(network.architecture, graph.architecture, graph.file)
            XCTAssertEqual(Double(network.constants.tauM), try XCTUnwrap(graph.tauM), accuracy: 1e-5, graph.file)
            XCTAssertEqual(Double(network.constants.tauS), try XCTUnwrap(graph.tauS), accuracy: 1e-5, graph.file)
            XCTAssertEqual(network.layers.map(\.threshold), graph.thresholds, graph.file)
            if let name = graph.architectureName { XCTAssertEqual(network.architectureName, name, graph.file) }
            XCTAssertEqual(network.spatialLayers.count, graph.spatial?.count ?? 0, graph.file)
            for (layer, want) in zip(network.spatialLayers, graph.spatial ?? []) {
                XCTAssertEqual(layer.threshold, want.threshold, accuracy: 1e-6 * want.threshold, graph.file)
                let have: [Float]
                if case .convolution(let conv) = layer { have = conv.weights } else { have = [] }
                XCTAssertEqual(have.count, want.weights.count, graph.file)
                for (h, w) in zip(have, want.weights) { XCTAssertEqual(Double(h), w, accuracy: 1e-6 * max(1, abs(w)), graph.file) }
            }
            for (layer, weights) in zip(network.layers, try XCTUnwrap(graph.weights)) {
                XCTAssertEqual(layer.weights.count, weights.count)
                for (have, want) in zip(layer.weights, weights) {
                    XCTAssertEqual(Double(have), want, accuracy: 1e-6 * max(1, abs(want)), graph.file)
                }
            }
        }
    }

    func testExportReadsBackInTheNIRPackage() throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let model = Fixtures.model(tauM: 32, tauS: 4)
        let dt = 5e-4
        let (graph, _) = try NIRExporter.export(model, path: "model.hm2bp", options: .init(dt: dt, dropUnsupported: true))
        try NIRFile.write(graph, to: directory + "/model.nir")
        // What the package must see: documented node types, edges, weights as (outputs, inputs)
        // = w / tauS, CubaLIF parameters, and hm2bp's own metadata entries.
        var values: [String: [String: Any]] = [:]
        for (index, layer) in model.network.layers.enumerated() {
            var rows: [[Double]] = []
            for i in 0..<layer.outputCount { rows.append((0..<layer.inputCount).map { Double(layer.weight(from: $0, to: i)) / 4 }) }
            let n = layer.outputCount
            values["linear\(index + 1)"] = ["weight": rows]
            values["cubalif\(index + 1)"] = [
                "tau_mem": [Double](repeating: 32 * dt, count: n), "tau_syn": [Double](repeating: 4 * dt, count: n),
                "r": [Double](repeating: 32, count: n), "w_in": [Double](repeating: 4, count: n),
                "v_threshold": [Double](repeating: Double(layer.threshold), count: n),
                "v_leak": [Double](repeating: 0, count: n), "v_reset": [Double](repeating: 0, count: n),
            ]
        }
        let expected: [String: Any] = [
            "types": ["input": "Input", "linear1": "Linear", "cubalif1": "CubaLIF", "linear2": "Linear", "cubalif2": "CubaLIF", "output": "Output"],
            "edges": graph.edges.map { [$0.source, $0.target] },
            "values": values,
            "inputShape": [12],
            "metadata": ["hm2bp_discretization": "euler"],
        ]
        try JSONSerialization.data(withJSONObject: expected).write(to: URL(fileURLWithPath: directory + "/expected.json"))
        let run = try python(["check", directory + "/model.nir", directory + "/expected.json"])
        XCTAssertEqual(run.status, 0, run.output)
        XCTAssertTrue(run.output.contains("all values as expected"), run.output)
    }

    /// A CNN export (Conv2d, AvgPool2d, Flatten, Linear, each spiking layer a CubaLIF shaped like
    /// its maps) reads back with `nir.read`, type check included, with the expected shapes and values.
    func testCNNExportReadsBackInTheNIRPackage() throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let model = Fixtures.cnnModel()
        guard case .convolution(let conv) = model.network.spatialLayers[0], case .pooling(let pool) = model.network.spatialLayers[1] else {
            return XCTFail("a convolution and a pooling layer")
        }
        let dense = model.network.layers[0]
        let dt = 1e-3
        let (graph, _) = try NIRExporter.export(model, path: "cnn.hm2bp", options: .init(dt: dt))
        try NIRFile.write(graph, to: directory + "/cnn.nir")
        func maps(_ shape: FeatureMapShape, _ value: Double) -> [[[Double]]] {
            [[[Double]]](repeating: [[Double]](repeating: [Double](repeating: value, count: shape.width), count: shape.height), count: shape.channels)
        }
        // Conv2d weight [a][c][p][q] = hm2bp kernel a, channel c, row p, column q, / tauS.
        let kernels: [[[[Double]]]] = (0..<4).map { a in [(0..<3).map { p in (0..<3).map { q in Double(conv.weight(kernel: a, channel: 0, row: p, column: q)) / 5 } }] }
        let linear: [[Double]] = (0..<10).map { i in (0..<100).map { j in Double(dense.weight(from: j, to: i)) / 5 } }
        let expected: [String: Any] = [
            "types": ["input": "Input", "conv1": "Conv2d", "cubalif1": "CubaLIF", "pool2": "AvgPool2d", "cubalif2": "CubaLIF",
                      "flatten": "Flatten", "linear3": "Linear", "cubalif3": "CubaLIF", "output": "Output"],
            "edges": graph.edges.map { [$0.source, $0.target] },
            "values": [
                "conv1": ["weight": kernels, "bias": [0.0, 0, 0, 0], "stride": [1.0, 1], "padding": [0.0, 0], "dilation": [1.0, 1], "input_shape": [12.0, 12]],
                "cubalif1": ["v_threshold": maps(conv.output, 0.75), "tau_mem": maps(conv.output, Double(Float(20.3)) * dt), "w_in": maps(conv.output, 5)],
                "pool2": ["kernel_size": [2.0, 2], "stride": [2.0, 2], "padding": [0.0, 0]],
                "cubalif2": ["v_threshold": maps(pool.output, Double(Float(0.6)) * 5 / 4)],
                "flatten": ["start_dim": 0.0],
                "linear3": ["weight": linear],
            ],
            "inputShape": [1, 12, 12],
            "metadata": ["hm2bp_discretization": "euler"],
        ]
        try JSONSerialization.data(withJSONObject: expected).write(to: URL(fileURLWithPath: directory + "/expected.json"))
        let run = try python(["check", directory + "/cnn.nir", directory + "/expected.json"])
        XCTAssertEqual(run.status, 0, run.output)
        XCTAssertTrue(run.output.contains("all values as expected"), run.output)
    }
}
