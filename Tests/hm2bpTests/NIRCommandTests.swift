import Foundation
import NIR
import SpikeModel
import XCTest

/// `hm2bp import`, `hm2bp export` and `hm2bp compile model.nir` as a user runs them.
final class NIRCommandTests: XCTestCase {
    static let fixtures = CommandRunner.packageRoot.appendingPathComponent("Tests/NIRTests/Fixtures")
    static func fixture(_ name: String) -> String { fixtures.appendingPathComponent(name).path }

    func testImportNeedsDtAndRefusesWhatItCannotRepresent() throws {
        let directory = try CommandRunner.temporaryDirectory(self)
        let norse = Self.fixture("lif_norse.nir")
        let noDt = try CommandRunner.run(["import", norse, "-o", "a.hm2bp", "--time-steps", "100"], in: directory)
        XCTAssertEqual(noDt.status, 2, noDt.stderr)
        XCTAssertTrue(noDt.stderr.contains("--dt"), noDt.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: directory + "/a.hm2bp"))

        let ok = try CommandRunner.run(["import", norse, "-o", "a.hm2bp", "--dt", "1e-4", "--time-steps", "100"], in: directory)
        XCTAssertEqual(ok.status, 0, ok.stderr)
        XCTAssertTrue(ok.stdout.contains("tauM 25.0"), ok.stdout)
        XCTAssertTrue(ok.stdout.contains("hm2bp-nano"), "the shift-only board is named: \(ok.stdout)")
        let model = try ModelFile.read(path: directory + "/a.hm2bp")
        XCTAssertEqual(model.network.architecture, [1, 1])
        XCTAssertEqual(model.network.layers[0].weights, [0.04])

        let refused = try CommandRunner.run(["import", Self.fixture("two_lif_neurons.nir"), "-o", "b.hm2bp", "--dt", "1e-4", "--time-steps", "100", "--json"], in: directory)
        XCTAssertEqual(refused.status, 3, refused.stderr)
        XCTAssertTrue(refused.stderr.contains("lif1: v_leak is 1.2"), refused.stderr)
        let json = try JSONSerialization.jsonObject(with: Data(refused.stdout.utf8)) as? [String: Any]
        XCTAssertEqual((json?["problems"] as? [[String: Any]])?.first?["node"] as? String, "lif1")
        XCTAssertFalse(FileManager.default.fileExists(atPath: directory + "/b.hm2bp"))
    }

    /// One byte of the global heap zeroed in a copy of lif_norse.nir: Debian 12's libhdf5 crashes
    /// reading it. hm2bp reads NIR in a child process, so this is exit 3 with the file named.
    /// Issue 9's rules hold for import and export too: an output never replaces an input, and an
    /// existing model is replaced only with --force; a bad --discretization is a usage error.
    func testOutputsNeverReplaceInputsOrAFinishedModel() throws {
        let directory = try CommandRunner.temporaryDirectory(self)
        let norse = Self.fixture("lif_norse.nir"), flags = ["--dt", "1e-4", "--time-steps", "100"]
        XCTAssertEqual(try CommandRunner.run(["import", norse, "-o", "a.hm2bp"] + flags, in: directory).status, 0)
        let original = try Data(contentsOf: URL(fileURLWithPath: directory + "/a.hm2bp"))
        let again = try CommandRunner.run(["import", norse, "-o", "a.hm2bp", "--dt", "2e-4", "--time-steps", "100"], in: directory)
        XCTAssertEqual(again.status, 2, again.stderr)
        XCTAssertTrue(again.stderr.contains("existing model"), again.stderr)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: directory + "/a.hm2bp")), original, "the model must be untouched")
        let forced = try CommandRunner.run(["import", norse, "-o", "a.hm2bp", "--dt", "2e-4", "--time-steps", "100", "--force"], in: directory)
        XCTAssertEqual(forced.status, 0, forced.stderr)
        XCTAssertNotEqual(try Data(contentsOf: URL(fileURLWithPath: directory + "/a.hm2bp")), original)

        let selfExport = try CommandRunner.run(["export", "a.hm2bp", "-o", "a.hm2bp"], in: directory)
        XCTAssertEqual(selfExport.status, 2, selfExport.stderr)
        XCTAssertTrue(selfExport.stderr.contains("hm2bp: error: -o a.hm2bp is an input"), selfExport.stderr)
        let badMethod = try CommandRunner.run(["import", norse, "-o", "b.hm2bp", "--discretization", "foo"] + flags, in: directory)
        XCTAssertEqual(badMethod.status, 2, badMethod.stderr)
        XCTAssertTrue(badMethod.stderr.contains("hm2bp: error: --discretization"), badMethod.stderr)
    }

    func testDamagedFileIsAnErrorNotACrash() throws {
        let directory = try CommandRunner.temporaryDirectory(self)
        let run = try CommandRunner.run(["import", Self.fixture("damaged_heap.nir"), "-o", "d.hm2bp", "--dt", "1e-4", "--time-steps", "10"], in: directory)
        XCTAssertEqual(run.status, 3, run.stderr)
        XCTAssertTrue(run.stderr.contains("damaged_heap.nir"), run.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: directory + "/d.hm2bp"))
        let compile = try CommandRunner.run(["compile", Self.fixture("damaged_heap.nir"), "-o", "d.img", "--dt", "1e-4", "--time-steps", "10"], in: directory)
        XCTAssertEqual(compile.status, 3, compile.stderr)
    }

    /// A shift-only board cannot hold tauM 25: compile refuses, giving the per-layer rounding
    /// error and the targets that can; with --power-of-two-taus it compiles.
    func testCompileFromNIRForAShiftOnlyBoard() throws {
        let directory = try CommandRunner.temporaryDirectory(self)
        let arguments = ["compile", Self.fixture("lif_norse.nir"), "--target", "hm2bp-nano", "-o", "n.img", "--dt", "1e-4",
                         "--time-steps", "100", "--calibration-samples", "0"]
        let refused = try CommandRunner.run(arguments, in: directory)
        XCTAssertEqual(refused.status, 3, refused.stderr)
        XCTAssertTrue(refused.stderr.contains("1: tauM 25.0 -> 32 steps (tau +28.0 %"), refused.stderr)
        XCTAssertTrue(refused.stderr.contains("emulator, hm2bp-large, hm2bp-micro."), refused.stderr)
        let rounded = try CommandRunner.run(arguments + ["--power-of-two-taus"], in: directory)
        XCTAssertEqual(rounded.status, 0, rounded.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: directory + "/n.img"))
    }

    /// A dense 784-40-10 graph as a framework writes it (snnTorch's convention r = tau_mem/dt,
    /// w_in = tau_syn/dt, float32, an Affine with zero bias, no hm2bp metadata), imported,
    /// compiled for hm2bp-nano both from the .nir and from the imported .hm2bp (same image), and
    /// verified against the imported float model.
    func testImportedDenseNetworkCompilesForNanoAndVerifies() throws {
        let directory = try CommandRunner.temporaryDirectory(self)
        var random = SplitMix(seed: 7)  // seeded: the same fixture every run
        func cubaLIF(_ n: Int) -> NIRNode {
            func f(_ value: Double) -> NIRValue { .numbers(NIRArray([Double](repeating: value, count: n), element: .float32)) }
            return NIRNode(name: "lif\(n)", type: "CubaLIF", fields: [
                "tau_mem": f(0.064), "tau_syn": f(0.008), "r": f(64), "w_in": f(8), "v_leak": f(0), "v_reset": f(0), "v_threshold": f(2)])
        }
        func weights(_ outputs: Int, _ inputs: Int, _ range: ClosedRange<Float>) -> NIRValue {
            .numbers(NIRArray(shape: [outputs, inputs], values: (0..<(outputs * inputs)).map { _ in Double(Float.random(in: range, using: &random) / 8) }, element: .float32))
        }
        let graph = NIRGraph(version: "1.0.8", nodes: [
            NIRNode(name: "input", type: "Input", fields: ["shape": .numbers(NIRArray([784], element: .int64))]),
            NIRNode(name: "fc1", type: "Affine", fields: ["weight": weights(40, 784, -0.2...0.3), "bias": .numbers(NIRArray([Double](repeating: 0, count: 40), element: .float32))]),
            cubaLIF(40),
            NIRNode(name: "fc2", type: "Linear", fields: ["weight": weights(10, 40, -0.5...1)]),
            cubaLIF(10),
            NIRNode(name: "output", type: "Output", fields: ["shape": .numbers(NIRArray([10], element: .int64))]),
        ], edges: [NIREdge("input", "fc1"), NIREdge("fc1", "lif40"), NIREdge("lif40", "fc2"), NIREdge("fc2", "lif10"), NIREdge("lif10", "output")])
        try NIRFile.write(graph, to: directory + "/dense.nir")
        let nirFlags = ["--dt", "1e-3", "--time-steps", "60"]
        let imported = try CommandRunner.run(["import", "dense.nir", "-o", "dense.hm2bp"] + nirFlags, in: directory)
        XCTAssertEqual(imported.status, 0, imported.stderr)
        let model = try ModelFile.read(path: directory + "/dense.hm2bp")
        XCTAssertEqual(model.network.architecture, [784, 40, 10])
        XCTAssertEqual(model.network.constants, NeuronConstants(tauM: 64, tauS: 8, refractorySteps: 0, timeSteps: 60))

        let fromNIR = try CommandRunner.run(["compile", "dense.nir", "--target", "hm2bp-nano", "-o", "nir.img", "--calibration-samples", "8"] + nirFlags, in: directory)
        XCTAssertEqual(fromNIR.status, 0, fromNIR.stderr)
        let fromModel = try CommandRunner.run(["compile", "dense.hm2bp", "--target", "hm2bp-nano", "-o", "model.img", "--calibration-samples", "8"], in: directory)
        XCTAssertEqual(fromModel.status, 0, fromModel.stderr)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: directory + "/nir.img")),
                       try Data(contentsOf: URL(fileURLWithPath: directory + "/model.img")))

        let verify = try CommandRunner.run(["verify", "dense.hm2bp", "nir.img", "--dataset", "mnist", "--limit", "20", "--max-accuracy-drop", "100"], in: directory)
        XCTAssertEqual(verify.status, 0, verify.stdout + verify.stderr)
        XCTAssertTrue(verify.stdout.contains("accuracy: float"), verify.stdout)
    }

    /// A spiking CNN as a framework writes it (Conv2d, AvgPool2d, Flatten, Linear, CubaLIF with
    /// snnTorch's r and w_in, no hm2bp metadata): it imports, `hm2bp eval` runs it on MNIST, it
    /// exports again, and compiles.
    func testImportedCNNEvaluatesExportsAndCompiles() throws {
        let directory = try CommandRunner.temporaryDirectory(self)
        var state: UInt64 = 21
        func uniform(_ count: Int, _ low: Double, _ high: Double) -> [Double] {
            (0..<count).map { _ in
                state = state &* 6364136223846793005 &+ 1442695040888963407
                return low + (high - low) * Double(state >> 11) / Double(1 << 53)
            }
        }
        func cubaLIF(_ name: String, _ shape: [Int], threshold: Double) -> NIRNode {
            func f(_ value: Double) -> NIRValue { .numbers(NIRArray(shape: shape, values: [Double](repeating: value, count: shape.reduce(1, *)), element: .float32)) }
            return NIRNode(name: name, type: "CubaLIF", fields: [
                "tau_mem": f(0.064), "tau_syn": f(0.008), "r": f(64), "w_in": f(8), "v_leak": f(0), "v_reset": f(0), "v_threshold": f(threshold)])
        }
        func ints(_ values: [Int]) -> NIRValue { .numbers(NIRArray(values.map(Double.init), element: .int64)) }
        let graph = NIRGraph(version: "1.0.8", nodes: [
            NIRNode(name: "input", type: "Input", fields: ["shape": ints([1, 28, 28])]),
            NIRNode(name: "conv", type: "Conv2d", fields: [
                "weight": .numbers(NIRArray(shape: [4, 1, 5, 5], values: uniform(100, -0.05, 0.15), element: .float32)),
                "bias": .numbers(NIRArray([0, 0, 0, 0], element: .float32)), "stride": ints([1, 1]), "padding": ints([0, 0]),
                "dilation": ints([1, 1]), "groups": .scalar(1, .int64), "input_shape": ints([28, 28])]),
            cubaLIF("lif_conv", [4, 24, 24], threshold: 1),
            NIRNode(name: "pool", type: "AvgPool2d", fields: ["kernel_size": ints([2, 2]), "stride": ints([2, 2]), "padding": ints([0, 0])]),
            cubaLIF("lif_pool", [4, 12, 12], threshold: 0.5),
            NIRNode(name: "flatten", type: "Flatten", fields: ["input_type": ints([4, 12, 12]), "start_dim": .scalar(0, .int64), "end_dim": .scalar(-1, .int64)]),
            NIRNode(name: "fc", type: "Linear", fields: ["weight": .numbers(NIRArray(shape: [10, 576], values: uniform(5760, -0.05, 0.1), element: .float32))]),
            cubaLIF("lif_fc", [10], threshold: 1),
            NIRNode(name: "output", type: "Output", fields: ["shape": ints([10])]),
        ], edges: [NIREdge("input", "conv"), NIREdge("conv", "lif_conv"), NIREdge("lif_conv", "pool"), NIREdge("pool", "lif_pool"),
                   NIREdge("lif_pool", "flatten"), NIREdge("flatten", "fc"), NIREdge("fc", "lif_fc"), NIREdge("lif_fc", "output")])
        try NIRFile.write(graph, to: directory + "/cnn.nir")
        let nirFlags = ["--dt", "1e-3", "--time-steps", "40"]
        let imported = try CommandRunner.run(["import", "cnn.nir", "-o", "cnn.hm2bp"] + nirFlags, in: directory)
        XCTAssertEqual(imported.status, 0, imported.stderr)
        XCTAssertTrue(imported.stdout.contains("lif_conv (CubaLIF, convolution)"), imported.stdout)
        let model = try ModelFile.read(path: directory + "/cnn.hm2bp")
        XCTAssertEqual(model.network.architectureName, "28x28-4C5-P2-10")

        let eval = try CommandRunner.run(["eval", "cnn.hm2bp", "--dataset", "mnist", "--limit", "5", "--json"], in: directory)
        XCTAssertEqual(eval.status, 0, eval.stderr)
        let report = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(eval.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(report["samples"] as? Int, 5)

        let exported = try CommandRunner.run(["export", "cnn.hm2bp", "-o", "back.nir"], in: directory)
        XCTAssertEqual(exported.status, 0, exported.stderr)
        XCTAssertTrue(exported.stdout.contains("1 Conv2d") && exported.stdout.contains("1 AvgPool2d") && exported.stdout.contains("1 Flatten"), exported.stdout)
        let again = try CommandRunner.run(["import", "back.nir", "-o", "again.hm2bp"], in: directory)
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: directory + "/again.hm2bp")),
                       try Data(contentsOf: URL(fileURLWithPath: directory + "/cnn.hm2bp")))

        // Convolutions compile straight from the NIR file (image format version 2).
        let compile = try CommandRunner.run(["compile", "cnn.nir", "-o", "cnn.img", "--calibration-samples", "0"] + nirFlags, in: directory)
        XCTAssertEqual(compile.status, 0, compile.stderr)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: directory + "/cnn.img"))[8], 2)
    }

    func testExportRefusesLateralInhibitionUnlessAskedToDropIt() throws {
        let directory = try CommandRunner.temporaryDirectory(self)
        let layer = DenseLayer(inputCount: 3, outputCount: 2, threshold: 1, lateralInhibition: 0.5, weights: [0.1, 0.2, 0.3, 0.4, 0.5, 0.6])
        let model = Model(network: Network(constants: NeuronConstants(refractorySteps: 0, timeSteps: 20), layers: [layer]), provenance: Provenance(dataset: "mnist", seed: 1))
        try ModelFile.write(model, to: directory + "/m.hm2bp")
        let refused = try CommandRunner.run(["export", "m.hm2bp", "-o", "m.nir"], in: directory)
        XCTAssertEqual(refused.status, 3, refused.stderr)
        XCTAssertTrue(refused.stderr.contains("layer 1: lateral inhibition 0.5"), refused.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: directory + "/m.nir"))
        let dropped = try CommandRunner.run(["export", "m.hm2bp", "-o", "m.nir", "--drop-unsupported"], in: directory)
        XCTAssertEqual(dropped.status, 0, dropped.stderr)
        XCTAssertTrue(dropped.stderr.contains("warning: layer 1: lateral inhibition"), dropped.stderr)
        let back = try CommandRunner.run(["import", "m.nir", "-o", "back.hm2bp"], in: directory)
        XCTAssertEqual(back.status, 0, back.stderr)
        XCTAssertTrue(back.stderr.contains("lateral inhibition restored"), back.stderr)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: directory + "/back.hm2bp")),
                       try Data(contentsOf: URL(fileURLWithPath: directory + "/m.hm2bp")), "hm2bp -> NIR -> hm2bp is bit for bit")
    }
}
