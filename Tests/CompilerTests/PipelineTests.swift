import NeuroImage
import SpikeModel
import XCTest
@testable import Compiler

final class PipelineTests: XCTestCase {
    func testCompilesForEveryShippedTargetAndTheImageDecodes() throws {
        let model = TestModels.model([784, 800, 10])
        let bytes = try ModelFile.encode(model)
        for name in ["emulator", "hm2bp-micro", "hm2bp-nano"] {
            let result = try ModelCompiler.compile(model: model, modelBytes: bytes, target: try TestModels.target(name), calibration: [])
            let decoded = try ImageDecoder.decode(result.bytes)
            XCTAssertEqual(decoded, result.image)
            XCTAssertEqual(decoded.target.name, name)
            XCTAssertEqual(decoded.metadata.modelSHA256, Digest.sha256(bytes))
            XCTAssertEqual(result.summary.cores.reduce(0) { $0 + $1.synapses }, 784 * 800 + 800 * 10)
            XCTAssertEqual(result.summary.cores.count, name == "hm2bp-nano" ? 8 : 2, name)
            XCTAssertTrue(result.summary.cores.allSatisfy { $0.routingEntries <= result.summary.limits.routingEntries })
            let again = try CompileSummary(image: decoded, bytes: result.bytes)
            XCTAssertEqual(again.text, result.summary.text, "inspect prints what compile printed")
        }
    }

    /// The image carries exactly the quantized network: rebuilding each layer from its cores and
    /// running the contract's reference gives the same spikes as the quantized layer itself.
    func testCoresReassembleTheQuantizedLayers() throws {
        let model = TestModels.model([40, 30, 4], constants: NeuronConstants(timeSteps: 60))
        let narrow = try TestModels.modifiedTarget("hm2bp-nano", [("\"neurons\": 128", "\"neurons\": 8")])
        let result = try ModelCompiler.compile(model: model, modelBytes: try ModelFile.encode(model), target: narrow, calibration: [])
        let image = result.image
        XCTAssertEqual(image.cores.filter { $0.layer == 0 }.count, 4)
        let layer = image.layers[0]
        var weights = [Int8](repeating: 0, count: 40 * 30)
        for core in image.cores where core.layer == 0 {
            for a in 0..<40 { for k in 0..<core.neuronCount { weights[a * 30 + core.firstNeuron + k] = core.weights[a * core.neuronCount + k] } }
        }
        var diagnostics = Diagnostics()
        let reference = try QuantizePass(target: narrow.target, weightBits: 8, scaling: .perChannel)
            .run(QuantizeInput(network: model.network, calibration: []), diagnostics: &diagnostics)
        XCTAssertEqual(weights, reference[0].weights)
        XCTAssertEqual(layer.thresholds, reference[0].thresholds)
        // Every hidden neuron is routed to the output core at its own index.
        for (c, core) in image.cores.enumerated() where core.layer == 0 {
            for n in 0..<core.neuronCount {
                XCTAssertEqual(image.routes[c].destinations(of: n), [Destination(core: 4, axon: core.firstNeuron + n)])
            }
        }
    }

    /// Deeper networks chain split layers: every core of layer l routes to every core of l + 1.
    func testThreeHiddenLayersSplitAndChainOnNano() throws {
        let model = TestModels.model([100, 300, 200, 10], constants: NeuronConstants(timeSteps: 50))
        let result = try ModelCompiler.compile(model: model, modelBytes: try ModelFile.encode(model), target: try TestModels.target("hm2bp-nano"),
                                               calibration: TestModels.rasters(inputs: 100, timeSteps: 50, count: 2))
        let image = try ImageDecoder.decode(result.bytes)
        XCTAssertEqual(image.cores.map(\.layer), [0, 0, 0, 1, 1, 2])
        let layer1Cores = [3, 4]
        for (c, core) in image.cores.enumerated() where core.layer == 0 {
            for n in 0..<core.neuronCount {
                XCTAssertEqual(image.routes[c].destinations(of: n), layer1Cores.map { Destination(core: $0, axon: core.firstNeuron + n) })
            }
        }
        XCTAssertEqual(image.outputMap, [OutputMapEntry(core: 5, firstNeuron: 0, count: 10, firstOutput: 0)])
    }

    func testCalibratedCompileRecordsTheQuantizationReport() throws {
        let model = TestModels.model([64, 32, 10], constants: NeuronConstants(timeSteps: 100))
        let rasters = TestModels.rasters(inputs: 64, timeSteps: 100, count: 4)
        let result = try ModelCompiler.compile(model: model, modelBytes: try ModelFile.encode(model), target: try TestModels.target("hm2bp-nano"),
                                               calibration: rasters)
        XCTAssertEqual(result.summary.quantization.count, 2)
        XCTAssertEqual(result.summary.quantization[0].calibrationSamples, 4)
        XCTAssertNotNil(result.summary.quantization[1].countError)
        XCTAssertTrue(result.summary.text.contains("count err"))
    }
}
