import NeuroImage
import SpikeModel
import XCTest
@testable import Compiler

final class QuantizePassTests: XCTestCase {
    let constants = NeuronConstants(timeSteps: 120)

    func testMaxAbsPerChannelWeightsAreWithinHalfAStep() throws {
        let model = TestModels.model([50, 20, 4], constants: constants)
        var diagnostics = Diagnostics()
        let pass = QuantizePass(target: try TestModels.target("hm2bp-nano").target, weightBits: 8, scaling: .perChannel)
        let layers = try pass.apply(QuantizeInput(network: model.network, calibration: []), diagnostics: &diagnostics)
        XCTAssertFalse(diagnostics.hasErrors)
        for (float, q) in zip(model.network.layers, layers) {
            XCTAssertEqual(q.report.clipFraction, 1)
            XCTAssertEqual(q.report.clippedFraction, 0)
            XCTAssertLessThanOrEqual(q.report.weightMaxAbsError, Double(q.weightSteps.max()!) / 2 + 1e-6)
            XCTAssertLessThan(q.report.weightRelativeRMSError, 0.01, "8-bit max-abs error of U[-1,1] weights is about 0.4%")
            XCTAssertEqual(q.rule.currentDecay, .shift(3))
            XCTAssertEqual(q.rule.membraneDecay, .shift(6))
            // theta = VTH * tauS * 2^F / Delta, as docs/fixed-point.md defines.
            let expected = Int64((Double(float.threshold) * 8 * Double(1 << q.rule.weightShift) / Double(q.weightSteps[0])).rounded())
            XCTAssertEqual(q.thresholds[0], expected)
            XCTAssertLessThanOrEqual(q.thresholds.max()!, Int64(1) << 21, "two bits of headroom below the 24-bit state")
        }
        XCTAssertEqual(layers[1].laterals[0], Int64((-Double(1 << layers[1].rule.weightShift) / Double(layers[1].weightSteps[0])).rounded()))
        XCTAssertEqual(layers[0].laterals.allSatisfy { $0 == 0 }, true)
    }

    /// Trained models have neurons whose weights are all near zero: their own max-abs steps
    /// would need 29-bit thresholds. They are coarsened instead of dragging the shift to 0.
    func testNearlyDeadNeuronsAreCoarsenedNotAllowedToForceTheShift() throws {
        var model = TestModels.model([50, 20, 4], constants: constants)
        for j in 0..<50 { for i in 10..<20 { model.network.layers[0].weights[j * 20 + i] *= 1e-4 } }
        var diagnostics = Diagnostics()
        let target = try TestModels.target("hm2bp-nano").target
        let q = try QuantizePass(target: target, weightBits: 8, scaling: .perChannel)
            .apply(QuantizeInput(network: model.network, calibration: []), diagnostics: &diagnostics)[0]
        XCTAssertFalse(diagnostics.hasErrors)
        XCTAssertEqual(q.report.coarsenedNeurons, 10)
        // Their own steps would need thresholds of 2^27 even at shift 0; floored at 1/16 of the
        // live step they cost 4 bits of shift instead: 24-bit state, 2 bits headroom -> shift 2.
        XCTAssertEqual(q.rule.weightShift, 2, "the live neurons keep fractional bits")
        let liveStep = q.weightSteps[0..<10].max()!
        XCTAssertTrue(q.weightSteps[10..<20].allSatisfy { $0 >= liveStep / 16 * 0.99 })
        XCTAssertLessThanOrEqual(q.thresholds.max()!, Int64(1) << 21)
    }

    func testPerLayerScalingSharesOneStep() throws {
        let model = TestModels.model([30, 12, 3], constants: constants)
        var diagnostics = Diagnostics()
        let layers = try QuantizePass(target: try TestModels.target("emulator").target, weightBits: 6, scaling: .perLayer)
            .apply(QuantizeInput(network: model.network, calibration: []), diagnostics: &diagnostics)
        XCTAssertEqual(Set(layers[0].weightSteps).count, 1)
        XCTAssertTrue(layers[0].weights.allSatisfy { abs(Int($0)) <= 31 }, "6-bit weights")
    }

    /// Calibration must not make firing counts worse than max-abs, must report its measurements,
    /// and fewer weight bits must cost accuracy.
    func testCalibrationPreservesFiringCounts() throws {
        let model = TestModels.model([60, 24, 5], constants: constants)
        let rasters = TestModels.rasters(inputs: 60, timeSteps: 120, count: 6)
        var diagnostics = Diagnostics()
        let target = try TestModels.target("hm2bp-nano").target
        let eight = try QuantizePass(target: target, weightBits: 8, scaling: .perChannel)
            .apply(QuantizeInput(network: model.network, calibration: rasters), diagnostics: &diagnostics)
        let three = try QuantizePass(target: target, weightBits: 3, scaling: .perChannel)
            .apply(QuantizeInput(network: model.network, calibration: rasters), diagnostics: &diagnostics)
        for q in eight + three {
            XCTAssertEqual(q.report.calibrationSamples, 6)
            XCTAssertLessThanOrEqual(q.report.countError!, q.report.maxAbsCountError! + 1e-9)
        }
        XCTAssertGreaterThan(eight[0].report.floatSpikesPerSample!, 10, "the hidden layer fires on these inputs")
        XCTAssertLessThan(eight[0].report.countError!, 1.0, "8-bit counts within one spike per neuron on average")
        XCTAssertLessThan(eight[0].report.weightRelativeRMSError, three[0].report.weightRelativeRMSError)
    }

    func testNarrowStateSaturatesAndIsReported() throws {
        let model = TestModels.model([60, 24, 5], constants: constants)
        let rasters = TestModels.rasters(inputs: 60, timeSteps: 120, count: 3, maxRate: 0.6)
        let narrow = try TestModels.modifiedTarget("emulator", [("\"stateBits\": 32", "\"stateBits\": 16"), ("\"thresholdBits\": 31", "\"thresholdBits\": 15")])
        var diagnostics = Diagnostics()
        var pass = QuantizePass(target: narrow.target, weightBits: 8, scaling: .perChannel)
        pass.clipFractions = [1.0]
        let layers = try pass.apply(QuantizeInput(network: model.network, calibration: rasters), diagnostics: &diagnostics)
        // u can swing to -64 x c with strong inhibition: a 16-bit state clamps, and the report says so.
        let fixed = FixedPointLayer(rule: layers[0].rule, axonCount: 60, neuronCount: 24, weights: layers[0].weights,
                                    thresholds: layers[0].thresholds, laterals: layers[0].laterals)
        let direct = rasters.reduce(0) { $0 + fixed.run(input: Calibration.steps($1, count: 120)).saturations }
        XCTAssertGreaterThan(direct, 0)
        XCTAssertEqual(layers[0].report.saturationEvents, direct)
    }

    func testUnrepresentableConstantsAreReported() throws {
        let model = TestModels.model([20, 8, 2], constants: NeuronConstants(tauM: 50, tauS: 8, refractorySteps: 20, timeSteps: 2000))
        var diagnostics = Diagnostics()
        _ = try QuantizePass(target: try TestModels.target("hm2bp-nano").target, weightBits: 8, scaling: .perChannel)
            .apply(QuantizeInput(network: model.network, calibration: []), diagnostics: &diagnostics)
        let resources = diagnostics.errors.map(\.resource)
        XCTAssertTrue(resources.contains("refractory steps"), "\(resources)")
        XCTAssertTrue(resources.contains("time steps"))
        XCTAssertTrue(resources.contains { $0.hasPrefix("tauM = 50.0 as a shift decay") }, "\(resources)")
        XCTAssertEqual(diagnostics.errors.count, 3)
    }

    func testCheckerRejectsAWeightThatDoesNotRound() throws {
        let model = TestModels.model([10, 4, 2], constants: constants)
        var diagnostics = Diagnostics()
        let pass = QuantizePass(target: try TestModels.target("emulator").target, weightBits: 8, scaling: .perChannel)
        var layers = try pass.run(QuantizeInput(network: model.network, calibration: []), diagnostics: &diagnostics)
        XCTAssertTrue(pass.check(QuantizeInput(network: model.network, calibration: []), layers).isEmpty)
        layers[0].weights[3] = layers[0].weights[3] > 0 ? layers[0].weights[3] - 2 : layers[0].weights[3] + 2
        XCTAssertFalse(pass.check(QuantizeInput(network: model.network, calibration: []), layers).isEmpty)
    }
}
