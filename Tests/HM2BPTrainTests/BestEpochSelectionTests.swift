import Foundation
import SpikeData
import SpikeModel
import XCTest
@testable import HM2BPTrain

/// Issue 9 item 25: by default the best epoch is chosen on validation images held out from the
/// end of the training set, never trained on; `.test` keeps the authors' protocol.
final class BestEpochSelectionTests: XCTestCase {
    /// 24 images of 3x3 pixels, three classes.
    static let images: LabeledImages = {
        let pixels: [UInt8] = (0..<216).map { (i: Int) -> UInt8 in UInt8(truncatingIfNeeded: i * 53 + (i / 9) * 17) }
        let labels: [UInt8] = (0..<24).map { (i: Int) -> UInt8 in UInt8(i % 3) }
        return LabeledImages(rows: 3, columns: 3, pixels: pixels, labels: labels)
    }()

    func options(_ selection: BestEpochSelection, epochs: Int = 4) -> Trainer.Options {
        var config = TrainingConfig()
        config.learningRate = 0.05
        return Trainer.Options(architecture: [9, 6, 3], constants: NeuronConstants(timeSteps: 20), config: config, epochs: epochs, seed: 2,
                               dataset: "mnist", selection: selection)
    }

    func testValidationImagesAreHeldOutAndChooseTheBestEpoch() throws {
        let trainer = try Trainer(options: options(.validation), train: Self.images, test: Self.images.prefix(9))
        XCTAssertEqual(trainer.validation?.count, 2, "24 / 12")
        XCTAssertEqual(trainer.train.count, 22)
        XCTAssertEqual(trainer.checkpoint.state.order.count, 22, "validation images are never trained on")
        var records: [EpochRecord] = []
        _ = try trainer.run(progress: { _ in }, epochCompleted: { record, _ in records.append(record) }, shouldStop: { false })
        XCTAssertEqual(records.count, 4)
        let validation = records.map { try! XCTUnwrap($0.validationAccuracy) }
        // Each epoch is "best" exactly when its validation accuracy beats every earlier one.
        for (i, record) in records.enumerated() {
            XCTAssertEqual(record.best, validation[i] > (validation[..<i].max() ?? -1), "epoch \(i): \(validation)")
        }
        let best = trainer.checkpoint.best.provenance
        XCTAssertEqual(best.bestEpochSelection, "validation")
        XCTAssertEqual(best.checkpointEpoch, records.lastIndex(where: \.best))
        XCTAssertEqual(best.trainLimit, 24, "the record keeps the whole training-set size, for --resume")
    }

    func testTheAuthorsProtocolSelectsOnTheTestSetAndResumeKeepsTheChoice() throws {
        let trainer = try Trainer(options: options(.test, epochs: 1), train: Self.images, test: Self.images.prefix(9))
        XCTAssertNil(trainer.validation)
        XCTAssertEqual(trainer.train.count, 24)
        _ = try trainer.run(progress: { _ in }, epochCompleted: { _, _ in }, shouldStop: { false })
        XCTAssertNil(trainer.checkpoint.state.history[0].validationAccuracy)
        let saved = try TrainingCheckpoint.decode(try trainer.checkpoint.encode(), path: "c")
        XCTAssertThrowsError(try Trainer(options: options(.validation, epochs: 2), train: Self.images, test: Self.images.prefix(9), resumeFrom: saved)) {
            XCTAssertEqual(($0 as? Trainer.OptionError)?.option, "--select-best-on")
        }
        XCTAssertNoThrow(try Trainer(options: options(.test, epochs: 2), train: Self.images, test: Self.images.prefix(9), resumeFrom: saved))
    }
}
