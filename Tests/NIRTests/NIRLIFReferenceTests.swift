import Foundation
import NIR
import SpikeModel
import XCTest

/// The Norse-written single LIF neuron of the NIR paper, imported and simulated by hm2bp's float
/// simulator, against the exact solution of NIR's LIF equation written out here.
///
/// NIR (docs, `LIF`): tau dv/dt = (v_leak - v) + r I, spike when v > v_threshold, then v = v_reset.
/// With the input current held over each step of dt (how every discrete framework, and the
/// paper's exact simulation, treat a spike), the exact solution over one step is
///     v((k+1) dt) = v_leak + (v(k dt) - v_leak) e^(-dt/tau) + r I_k (1 - e^(-dt/tau)),
/// and the threshold is tested at the sample times.
final class NIRLIFReferenceTests: XCTestCase {
    static let dt = 1e-4
    static let steps = 1000

    /// Bursts of 0 ... 10 input spikes at the start of each 20-step block, so that the neuron
    /// (which needs 3 consecutive input spikes to reach threshold) fires often but not always.
    static let input: [Int] = (0..<steps).map { t in t % 20 < ((t / 20) * 7) % 11 ? 1 : 0 }

    struct Reference { var membrane: [Double]; var spikes: [Int] }

    /// The exact solution at the sample times, from the file's own parameters.
    static func reference(_ graph: NIRGraph) throws -> Reference {
        let affine = try XCTUnwrap(graph.node(named: "0")), lif = try XCTUnwrap(graph.node(named: "1"))
        let weight = try XCTUnwrap(affine.numbers("weight")).values[0], bias = try XCTUnwrap(affine.numbers("bias")).values[0]
        let tau = try XCTUnwrap(lif.numbers("tau")).values[0], r = try XCTUnwrap(lif.numbers("r")).values[0]
        let leak = try XCTUnwrap(lif.numbers("v_leak")).values[0], threshold = try XCTUnwrap(lif.numbers("v_threshold")).values[0]
        let reset = lif.numbers("v_reset")?.values[0] ?? 0
        let decay = exp(-dt / tau)
        var v = 0.0, membrane: [Double] = [], spikes: [Int] = []
        for k in 0..<steps {
            if k > 0 {
                let current = weight * Double(input[k - 1]) + bias
                v = leak + (v - leak) * decay + r * current * (1 - decay)
            }
            membrane.append(v)
            if v > threshold { spikes.append(k); v = reset }
        }
        return Reference(membrane: membrane, spikes: spikes)
    }

    func simulate(_ model: Model) -> (membrane: [Float], spikes: [Int]) {
        var raster = SpikeRaster(neuronCount: 1, timeSteps: Self.steps)
        for x in Self.input { raster.appendStep(x == 1 ? [Int32(0)] : []) }
        let (output, trace) = FloatSimulator.traceLayer(model.network.layers[0], constants: model.network.constants, input: raster)
        return (trace.membrane, output.spikeTimes()[0].map(Int.init))
    }

    func importNorse(_ discretization: Discretization) throws -> Model {
        try NIRImporter.importFile(path: Fixtures.path("lif_norse.nir"),
                                   settings: NIRImportSettings(dt: Self.dt, timeSteps: Self.steps, discretization: discretization)).model
    }

    /// Exact discretization: hm2bp's update is then the exact solution itself, evaluated in
    /// float32. Tolerance 1e-5 on v: each step rounds at most 2^-24 relative on |v| <= 1 and the
    /// leak (factor 0.96) contracts old errors, so the accumulated error stays below
    /// 2^-24 * 3 / (1 - 0.96) ~ 5e-6. Spike times must match exactly; the test checks that no
    /// reference sample lies within that tolerance of the threshold, where they could not.
    func testExactDiscretizationReproducesTheLIFEquation() throws {
        let graph = try NIRFile.read(path: Fixtures.path("lif_norse.nir"))
        let reference = try Self.reference(graph)
        let model = try importNorse(.exact)
        XCTAssertEqual(model.network.constants.tauS, 1)
        XCTAssertEqual(Double(model.network.constants.tauM), 1 / (1 - exp(-Self.dt / 0.0025)), accuracy: 1e-4)
        let hm2bp = simulate(model)
        var worst = 0.0
        for k in 0..<Self.steps { worst = max(worst, abs(Double(hm2bp.membrane[k]) - reference.membrane[k])) }
        XCTAssertLessThan(worst, 1e-5, "largest membrane difference")
        let margin = reference.membrane.map { abs($0 - 0.1) }.min()!
        XCTAssertGreaterThan(margin, 1e-5, "a sample lies on the threshold; spike times could legitimately differ")
        XCTAssertGreaterThan(reference.spikes.count, 20, "the input must make the neuron fire")
        XCTAssertEqual(hm2bp.spikes, reference.spikes)
    }

    /// Euler discretization (the default, what Norse itself simulates): decay 1 - dt/tau instead
    /// of exp(-dt/tau). With h = dt/tau = 0.04 the per-step decay and gain are off by
    /// |exp(-h) - (1 - h)| <= h^2/2, and the leak contracts by (1 - h), so while both have spiked
    /// at the same steps the membranes differ by at most (h^2/2) * max|r I - v| / h = h/2 = 0.02.
    /// A spike can therefore come one step earlier or later, never more, and none is lost.
    func testEulerDiscretizationStaysWithinItsErrorBound() throws {
        let reference = try Self.reference(try NIRFile.read(path: Fixtures.path("lif_norse.nir")))
        let model = try importNorse(.euler)
        XCTAssertEqual(model.network.constants.tauM, 25)
        let hm2bp = simulate(model)
        let h = Self.dt / 0.0025
        XCTAssertEqual(hm2bp.spikes.count, reference.spikes.count)
        for (a, b) in zip(hm2bp.spikes, reference.spikes) { XCTAssertLessThanOrEqual(abs(a - b), 1, "spike at \(a) vs \(b)") }
        let firstDifference = zip(hm2bp.spikes, reference.spikes).first { $0 != $1 }.map { min($0, $1) } ?? Self.steps
        XCTAssertGreaterThan(firstDifference, 20)
        for k in 0..<firstDifference {
            XCTAssertEqual(Double(hm2bp.membrane[k]), reference.membrane[k], accuracy: h / 2, "step \(k)")
        }
    }

    /// The second file of the paper's folder makes its first neuron spike on its own through
    /// v_leak 1.2 above threshold: hm2bp's neuron leaks to 0, so the import refuses and names that
    /// node, and only that node.
    func testSelfSpikingNeuronIsRefusedByName() throws {
        XCTAssertThrowsError(try NIRImporter.importFile(path: Fixtures.path("two_lif_neurons.nir"),
                                                        settings: NIRImportSettings(dt: Self.dt, timeSteps: 100))) { error in
            guard case NIRError.unrepresentable(_, let problems) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(problems.map(\.node), ["lif1"])
            XCTAssertTrue(problems[0].reason.contains("v_leak is 1.2"), problems[0].reason)
        }
    }
}

/// The downstream neuron of `two_lif_neurons.nir`: hm2bp cannot run `lif1` (v_leak), but `lif2`
/// behind `linear2`, fed with the spike train that NIR's equation gives `lif1`, must follow the
/// exact solution. The graph is cut from the file's own nodes.
final class NIRTwoNeuronReferenceTests: XCTestCase {
    func testDownstreamNeuronFollowsTheExactSolution() throws {
        let dt = 1e-4, steps = 2000
        let file = try NIRFile.read(path: Fixtures.path("two_lif_neurons.nir"))
        let lif1 = try XCTUnwrap(file.node(named: "lif1")), linear2 = try XCTUnwrap(file.node(named: "linear2"))
        let lif2 = try XCTUnwrap(file.node(named: "lif2"))
        func value(_ node: NIRNode, _ field: String) throws -> Double { try XCTUnwrap(node.numbers(field)).values[0] }

        // lif1 alone: tau dv/dt = v_leak - v (no input), spike above threshold, reset to v_reset.
        let decay1 = exp(-dt / (try value(lif1, "tau")))
        let leak1 = try value(lif1, "v_leak"), threshold1 = try value(lif1, "v_threshold")
        var v1 = 0.0, spikes1: [Int] = []
        for k in 0..<steps {
            if k > 0 { v1 = leak1 + (v1 - leak1) * decay1 }
            if v1 > threshold1 { spikes1.append(k); v1 = lif1.numbers("v_reset")?.values[0] ?? 0 }
        }
        XCTAssertGreaterThan(spikes1.count, 10, "lif1 spikes on its own")

        // lif2 driven by those spikes (each held for one step), exactly.
        let decay2 = exp(-dt / (try value(lif2, "tau")))
        let r2 = try value(lif2, "r"), w = try XCTUnwrap(linear2.numbers("weight")).values[0]
        let spiking = Set(spikes1)
        var v2 = 0.0, reference: [Double] = []
        for k in 0..<steps {
            if k > 0 { v2 = v2 * decay2 + r2 * w * (spiking.contains(k - 1) ? 1 : 0) * (1 - decay2) }
            reference.append(v2)
        }

        let cut = NIRGraph(version: file.version, nodes: [
            NIRNode(name: "in", type: "Input", fields: ["shape": .numbers(NIRArray([1], element: .int64))]),
            linear2, lif2,
            NIRNode(name: "out", type: "Output", fields: ["shape": .numbers(NIRArray([1], element: .int64))]),
        ], edges: [NIREdge("in", "linear2"), NIREdge("linear2", "lif2"), NIREdge("lif2", "out")])
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try NIRFile.write(cut, to: directory + "/lif2.nir")
        let model = try NIRImporter.importFile(path: directory + "/lif2.nir",
                                               settings: NIRImportSettings(dt: dt, timeSteps: steps, discretization: .exact)).model
        var raster = SpikeRaster(neuronCount: 1, timeSteps: steps)
        for k in 0..<steps { raster.appendStep(spiking.contains(k) ? [Int32(0)] : []) }
        let (output, trace) = FloatSimulator.traceLayer(model.network.layers[0], constants: model.network.constants, input: raster)
        // Same float32 argument as the single neuron (decay 0.99 here: bound 2^-24 * |v| * 3 / 0.01).
        let largest = reference.map(abs).max()!
        XCTAssertGreaterThan(largest, 0.01, "lif2 must be driven")
        for k in 0..<steps { XCTAssertEqual(Double(trace.membrane[k]), reference[k], accuracy: 2e-5 * max(1, largest), "step \(k)") }
        XCTAssertEqual(output.totalSpikes, 0, "lif2 stays below its threshold of 20, as in NIR")
    }
}
