import Foundation
import SpikeData
import SpikeModel
import XCTest
@testable import HM2BPTrain

/// Training and evaluating on event recordings (N-MNIST): the converted rasters are the inputs
/// as they are, the model records their encoder, and options that only make sense for images
/// (another T than the conversion's, augmentation) are refused.
final class RecordingTrainingTests: XCTestCase {
    /// The real recording (SpikeDataTests/Fixtures/sample_nmnist.bin) once under every digit.
    static let recordings: LabeledRecordings = {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("SpikeDataTests/Fixtures/sample_nmnist.bin").path
        let raster = try! NMNIST.loadRaster(path: path)
        return LabeledRecordings(rasters: Array(repeating: raster, count: 10), labels: (0..<10).map(UInt8.init),
                                 files: Array(repeating: path, count: 10), timeSteps: 540)
    }()

    func options(timeSteps: Int = 540, augment: Bool = false) throws -> Trainer.Options {
        var config = TrainingConfig.nmnist
        config.learningRate = 0.01
        if augment { config.augmentation = true }
        return Trainer.Options(architecture: try Architecture.parse("34x34x2-12-10"), constants: NeuronConstants(timeSteps: timeSteps),
                               config: config, epochs: 1, seed: 3, dataset: "nmnist", selection: .test)
    }

    func testTrainsOnTheConvertedRecordingsAndRecordsTheirEncoder() throws {
        let samples = LabeledSamples.recordings(Self.recordings)
        let trainer = try Trainer(options: try options(), train: samples, test: samples)
        var records: [EpochRecord] = []
        _ = try trainer.run(progress: { _ in }, epochCompleted: { record, _ in records.append(record) }, shouldStop: { false })
        XCTAssertEqual(records.map(\.testAccuracy), [0.1], "identical inputs, one per label: exactly one hit")
        let model = trainer.checkpoint.best
        XCTAssertEqual(model.provenance.encoder, Provenance.nmnistEncoder)
        XCTAssertEqual(model.provenance.dataset, "nmnist")
        XCTAssertEqual(model.network.layers[0].threshold, 15, "the reference's N-MNIST thresholds")
        XCTAssertEqual(model.network.layers[1].threshold, 15)

        // The recording's raster is the input whatever the encoder's seed.
        let a = Evaluator.evaluate(model.network, on: samples, encoder: Evaluator.testEncoder(timeSteps: 540, seed: 1))
        let b = Evaluator.evaluate(model.network, on: samples, encoder: Evaluator.testEncoder(timeSteps: 540, seed: 99))
        XCTAssertEqual(a.meanSpikesPerLayer, b.meanSpikesPerLayer)
        XCTAssertEqual(a.confusion, b.confusion)
        XCTAssertGreaterThan(a.meanSpikesPerLayer[0], 0)
        let expected = FloatSimulator.run(model.network, input: Self.recordings.rasters[0], parallel: false)
        XCTAssertEqual(a.meanSpikesPerLayer, expected.map { Double($0.totalSpikes) })
    }

    func testRefusesAnotherTAndAugmentation() throws {
        let samples = LabeledSamples.recordings(Self.recordings)
        XCTAssertThrowsError(try Trainer(options: try options(timeSteps: 400), train: samples, test: samples)) {
            XCTAssertEqual(($0 as? Trainer.OptionError)?.option, "--time-steps", "\($0)")
        }
        XCTAssertThrowsError(try Trainer(options: try options(augment: true), train: samples, test: samples)) {
            XCTAssertEqual(($0 as? Trainer.OptionError)?.option, "--augment", "\($0)")
        }
    }
}
