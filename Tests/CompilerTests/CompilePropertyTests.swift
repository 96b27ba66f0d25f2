import Foundation
import HardwareTargets
import Kernels
import NeuroImage
import SpikeModel
import XCTest
@testable import Compiler

/// Property: any model the format accepts (values drawn at and between its limits) and any
/// weight width either compiles into an image that decodes, or fails with diagnostics or an
/// option error; never a trap, never "internal error".
final class CompilePropertyTests: XCTestCase {
    func testModelsAcrossTheFormatsRangesCompileOrFailWithADiagnostic() throws {
        let targets = try ["emulator", "hm2bp-nano"].map { try TestModels.target($0) }
        var rng = SplitMix64(seed: 11)
        func pick<T>(_ values: [T]) -> T { values[Int(rng.next() % UInt64(values.count))] }
        let thresholds: [Float] = [ModelFile.minimumThreshold, 1e-3, 1, 20, 1e4, ModelFile.maximumMagnitude]
        let weights: [Float] = [0, 1e-30, 1e-6, 0.5, 8, ModelFile.maximumMagnitude]
        let taus: [Float] = [1, 2, 3.5, 64, NeuronConstants.maximumTau]
        var compiled = 0, diagnosed = 0
        for iteration in 0..<40 {
            let trace = "iteration \(iteration)"
            let widths = [Int(rng.next() % 12) + 1, Int(rng.next() % 12) + 1, Int(rng.next() % 4) + 1]
            let scale = pick(weights), lateral = pick([Float(0), 1, ModelFile.maximumMagnitude])
            let layers = (1..<widths.count).map { l in
                DenseLayer(inputCount: widths[l - 1], outputCount: widths[l], threshold: pick(thresholds), lateralInhibition: l == 2 ? lateral : 0,
                           weights: (0..<(widths[l - 1] * widths[l])).map { _ in scale * (Float(rng.next() % 201) / 100 - 1) })
            }
            let constants = NeuronConstants(tauM: pick(taus), tauS: pick(taus), refractorySteps: pick([0, 2, 255, 256, NeuronConstants.maximumRefractorySteps]),
                                            timeSteps: pick([2, 10, 30]))
            let model = Model(network: Network(constants: constants, layers: layers), provenance: Provenance(dataset: "mnist", seed: 1))
            let bytes = try ModelFile.encode(model)
            XCTAssertNoThrow(try ModelFile.decode(bytes), "the generator stays within the format")
            let calibration = rng.next() % 2 == 0 ? [] : TestModels.rasters(inputs: widths[0], timeSteps: constants.timeSteps, count: 2, seed: UInt64(iteration))
            let bits: Int? = pick([nil, -3, 0, 1, 2, 5, 8, 9, 64])
            let target = pick(targets)
            do {
                let result = try ModelCompiler.compile(model: model, modelBytes: bytes, target: target, calibration: calibration,
                                                       options: CompileOptions(weightBits: bits))
                XCTAssertNoThrow(try ImageDecoder.decode(result.bytes))
                compiled += 1
                XCTAssertEqual(try ImageReport.decode(result.image).provenance, ImageProvenance(dataset: "mnist", seed: 1, encoder: "poisson"))
            } catch let failure as CompileFailure {
                XCTAssertFalse(failure.diagnostics.isEmpty)
                diagnosed += 1
                XCTAssertFalse("\(failure)".contains("internal error"), "\(failure)")
            } catch let error as CompileOptionError {
                XCTAssertEqual(error.option, "--weight-bits")
                XCTAssertFalse((2...8).contains(bits ?? 8))
            } catch {
                XCTFail("\(trace): \(widths) \(constants) target \(target.target.name) bits \(String(describing: bits)) layers "
                        + "\(layers.map { ($0.threshold, $0.lateralInhibition, $0.weights.map(abs).max() ?? 0) }) calibrated \(!calibration.isEmpty): \(error)")
            }
        }
        XCTAssertGreaterThan(compiled, 5, "the generator reaches the success path")
        XCTAssertGreaterThan(diagnosed, 5, "and the diagnostic path")
    }

    /// Issue 9 item 6: thresholds near the format's floor with all-zero weights made a step that
    /// underflowed, and converting the infinite threshold to Int64 trapped.
    func testTinyThresholdsWithZeroWeightsCompile() throws {
        let layer = DenseLayer(inputCount: 5, outputCount: 3, threshold: ModelFile.minimumThreshold, weights: [Float](repeating: 0, count: 15))
        let model = Model(network: Network(constants: NeuronConstants(timeSteps: 20), layers: [layer]), provenance: Provenance(dataset: "mnist", seed: 1))
        for target in ["emulator", "hm2bp-nano", "hm2bp-micro"] {
            let result = try ModelCompiler.compile(model: model, modelBytes: try ModelFile.encode(model), target: try TestModels.target(target),
                                                   calibration: TestModels.rasters(inputs: 5, timeSteps: 20, count: 2))
            XCTAssertTrue(result.image.layers[0].thresholds.allSatisfy { $0 >= 0 }, target)
        }
        XCTAssertEqual(LayerQuantizer.saturatingInt64(.infinity), Int64.max)
        XCTAssertEqual(LayerQuantizer.saturatingInt64(-.infinity), Int64.min)
        XCTAssertEqual(LayerQuantizer.saturatingInt64(.nan), 0)
    }
}
