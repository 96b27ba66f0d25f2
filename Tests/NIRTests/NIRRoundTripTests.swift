import Foundation
import NIR
import SpikeModel
import XCTest

/// hm2bp -> NIR -> hm2bp through real HDF5 files.
final class NIRRoundTripTests: XCTestCase {
    func roundTrip(_ model: Model, dt: Double) throws -> (model: Model, warnings: [String], graph: NIRGraph) {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/model.nir"
        let (graph, warnings) = try NIRExporter.export(model, path: "model.hm2bp", options: .init(dt: dt, dropUnsupported: true))
        try NIRFile.write(graph, to: path)
        let back = try NIRImporter.importFile(path: path, settings: NIRImportSettings())
        return (back.model, warnings, try NIRFile.read(path: path))
    }

    /// The model file written after the round trip is byte for byte the original, for power-of-two
    /// taus and for taus whose division does not come out even.
    func testModelComesBackBitForBit() throws {
        for (tauM, tauS, dt) in [(Float(64), Float(8), 1e-3), (Float(20.3), Float(5), 2.5e-4), (Float(7), Float(3), 1e-4)] {
            let model = Fixtures.model(tauM: tauM, tauS: tauS)
            let (back, warnings, _) = try roundTrip(model, dt: dt)
            XCTAssertEqual(try ModelFile.encode(back), try ModelFile.encode(model), "tauM \(tauM) tauS \(tauS) dt \(dt)")
            XCTAssertEqual(warnings.count, 2, "lateral inhibition and refractory period are announced")
        }
    }

    /// The file holds what docs/nir.md says: Linear (outputs, inputs) = w / tauS and CubaLIF with
    /// tau_mem = tauM dt, tau_syn = tauS dt, r = tauM, w_in = tauS, threshold, zero leak and reset.
    func testExportedGraphHoldsTheDocumentedParameters() throws {
        let model = Fixtures.model()
        let (_, _, graph) = try roundTrip(model, dt: 1e-3)
        XCTAssertEqual(graph.edges.map { "\($0.source)>\($0.target)" },
                       ["input>linear1", "linear1>cubalif1", "cubalif1>linear2", "linear2>cubalif2", "cubalif2>output"])
        let linear = try XCTUnwrap(graph.node(named: "linear2")?.numbers("weight"))
        XCTAssertEqual(linear.shape, [3, 7])
        let layer = model.network.layers[1]
        XCTAssertEqual(linear.values[2 * 7 + 5], Double(layer.weight(from: 5, to: 2)) / 8, accuracy: 1e-12)
        let neuron = try XCTUnwrap(graph.node(named: "cubalif2"))
        XCTAssertEqual(neuron.type, "CubaLIF")
        XCTAssertEqual(neuron.numbers("tau_mem")?.values, [Double](repeating: 0.064, count: 3))
        XCTAssertEqual(neuron.numbers("tau_syn")?.values, [Double](repeating: 0.008, count: 3))
        XCTAssertEqual(neuron.numbers("r")?.values.first, 64)
        XCTAssertEqual(neuron.numbers("w_in")?.values.first, 8)
        XCTAssertEqual(neuron.numbers("v_threshold")?.values.first, 0.75)
        XCTAssertEqual(neuron.numbers("v_leak")?.values, [0, 0, 0])
        XCTAssertEqual(graph.node(named: "input")?.numbers("shape")?.values, [12])
    }

    /// Without --drop-unsupported the export refuses, naming the layer with lateral inhibition and
    /// the refractory period together.
    func testExportRefusesWhatNIRCannotSayNamingEachPart() throws {
        XCTAssertThrowsError(try NIRExporter.export(Fixtures.model(), path: "m.hm2bp", options: .init())) { error in
            guard case NIRError.inexpressible(_, let problems) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(problems.map(\.node), ["layer 2", "constants"])
            XCTAssertTrue("\(error)".contains("NIR cannot express this model (2 problems)"), "\(error)")
        }
        var plain = Fixtures.model()
        plain.network.constants.refractorySteps = 0
        plain.network.layers[1].lateralInhibition = 0
        XCTAssertNoThrow(try NIRExporter.export(plain, path: "m.hm2bp", options: .init()))
    }

    /// Without hm2bp's metadata (as another framework would re-export it) the neurons come back
    /// without lateral inhibition and refractory period, and the weights and thresholds unchanged.
    func testForeignCopyLosesOnlyWhatNIRCannotHold() throws {
        let model = Fixtures.model()
        var (graph, _) = try NIRExporter.export(model, path: "m.hm2bp", options: .init(dropUnsupported: true))
        graph.metadata = [:]
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try NIRFile.write(graph, to: directory + "/g.nir")
        let back = try NIRImporter.importFile(path: directory + "/g.nir", settings: NIRImportSettings(dt: 1e-3, timeSteps: 50)).model
        XCTAssertEqual(back.network.constants, NeuronConstants(tauM: 64, tauS: 8, refractorySteps: 0, timeSteps: 50))
        XCTAssertEqual(back.network.layers.map(\.lateralInhibition), [0, 0])
        XCTAssertEqual(back.network.layers.map(\.weights), model.network.layers.map(\.weights))
        XCTAssertEqual(back.network.layers.map(\.threshold), model.network.layers.map(\.threshold))
    }
}
