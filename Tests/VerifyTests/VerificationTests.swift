import Emulator
import NeuroImage
import SpikeModel
import XCTest
@testable import Verify

final class VerificationTests: XCTestCase {
    func testFaithfulImageAgreesWithItsFloatModel() throws {
        let model = VerifyFixtures.model()
        let (image, _) = try VerifyFixtures.compile(model)
        let data = VerifyFixtures.dataset(count: 40)
        let report = try Verification.run(network: model.network, emulator: Emulator(image: image), on: data,
                                          limits: VerifyLimits(maxAccuracyDrop: 50, minAgreement: 80, maxFiringCountError: 0.1))
        XCTAssertEqual(report.samples, 40)
        XCTAssertEqual(report.accuracyDropPoints, (report.floatAccuracy - report.fixedAccuracy) * 100, accuracy: 1e-9)
        XCTAssertGreaterThan(report.layers[0].floatSpikesPerSample, 10, "the fixture should be active")
        XCTAssertLessThan(report.layers[0].relativeCountError, 0.05)
        XCTAssertTrue(report.passed, report.text)
        // The float side is the float simulator itself: its accuracy is recomputed here independently.
        let floatCorrect = (0..<40).filter { i in
            let out = FloatSimulator.run(model.network, input: data.input(i), parallel: false).last!.counts()
            return predictedClass(counts: out) == Int(data.labels[i])
        }.count
        XCTAssertEqual(report.floatAccuracy, Double(floatCorrect) / 40)
    }

    /// An image whose output neuron 9 has threshold 0 fires where the float model cannot: verify
    /// must name exactly that layer and neuron, and fail the agreement limit.
    func testFirstDivergenceNamesTheSabotagedNeuron() throws {
        let model = VerifyFixtures.model()
        var (image, _) = try VerifyFixtures.compile(model)
        image.layers[1].thresholds[9] = 0
        let report = try Verification.run(network: model.network, emulator: Emulator(image: image), on: VerifyFixtures.dataset(count: 30),
                                          limits: VerifyLimits(minAgreement: 99))
        let divergence = try XCTUnwrap(report.firstDisagreement, report.text)
        XCTAssertEqual(divergence.layer, 1)
        XCTAssertEqual(divergence.neuron, 9)
        XCTAssertTrue(divergence.fixedSpiked)
        XCTAssertFalse(divergence.floatSpiked)
        XCTAssertEqual(divergence.fixedThreshold, 0)
        XCTAssertEqual(divergence.fixedPrediction, 9)
        XCTAssertNotEqual(divergence.floatPrediction, 9)
        XCTAssertFalse(report.passed)
        XCTAssertTrue(report.violations.contains { $0.contains("agreement") }, "\(report.violations)")
        XCTAssertTrue(report.text.contains("layer 1, neuron 9"), report.text)
    }

    /// At the step where they part, both models' states in float units are close (the spike
    /// differs only because v sits at the threshold), which is what the report is for.
    func testDivergenceStatesAreInFloatUnits() throws {
        let model = VerifyFixtures.model(seed: 2)
        let (image, _) = try VerifyFixtures.compile(model, target: "hm2bp-nano")
        let report = try Verification.run(network: model.network, emulator: Emulator(image: image), on: VerifyFixtures.dataset(count: 60),
                                          limits: VerifyLimits())
        guard let d = report.firstDisagreement else { throw XCTSkip("no prediction differs on this fixture") }
        XCTAssertEqual(d.fixedThresholdAsFloat, Double(d.floatThreshold), accuracy: 0.01 * Double(d.floatThreshold))
        XCTAssertEqual(d.fixedMembraneAsFloat, Double(d.floatMembrane), accuracy: 0.5 * Double(d.floatThreshold))
        XCTAssertNotEqual(d.floatSpiked, d.fixedSpiked)
    }

    func testMismatchedModelAndImageAreRefused() throws {
        let (image, _) = try VerifyFixtures.compile(VerifyFixtures.model())
        var other = VerifyFixtures.model()
        other.network.constants.timeSteps = 50
        XCTAssertThrowsError(try Verification.run(network: other.network, emulator: Emulator(image: image),
                                                  on: VerifyFixtures.dataset(count: 2), limits: VerifyLimits())) {
            XCTAssertTrue("\($0)".contains("time steps"), "\($0)")
        }
    }

    func testLimitsFileFlagsOverrideAndUnknownKeys() throws {
        let directory = try VerifyFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let good = directory + "/limits.json", typo = directory + "/typo.json"
        try AtomicFile.write("{\"maxAccuracyDrop\": 0.5, \"minAgreement\": 97}", to: good)
        try AtomicFile.write("{\"maxAcuracyDrop\": 0.5}", to: typo)
        let file = try VerifyLimits.read(path: good)
        XCTAssertEqual(file, VerifyLimits(maxAccuracyDrop: 0.5, minAgreement: 97))
        XCTAssertEqual(file.overridden(by: VerifyLimits(minAgreement: 90)), VerifyLimits(maxAccuracyDrop: 0.5, minAgreement: 90))
        XCTAssertThrowsError(try VerifyLimits.read(path: typo)) { XCTAssertTrue("\($0)".contains("maxAcuracyDrop"), "\($0)") }
        XCTAssertThrowsError(try VerifyLimits.read(path: directory + "/none.json"))
    }
}
