import Foundation
import RealData
import SpikeData
import SpikeModel
import XCTest
@testable import HM2BPTrain

/// Real MNIST through the whole trainer: it must learn far beyond chance, checkpoints must
/// resume bit-exactly, and the same seed must give the same network.
final class EndToEndTrainingTests: XCTestCase {
    func store() throws -> DataStore {
        DataStore(directory: FileManager.default.temporaryDirectory.appendingPathComponent("hm2bp-train-\(UUID())").path,
                  mirror: try RealData.mnistRoot)
    }

    /// 3,000 training images, one epoch of 784-100-10: the algorithm notes report about 70% for
    /// 1,000 images; anything under 60% means the learning rule is broken (chance is 10%).
    func testOneEpochOnThreeThousandImagesClearlyBeatsChance() throws {
        let data = try store()
        let train = try data.load(.mnist, split: .train, limit: 3000)
        let test = try data.load(.mnist, split: .test, limit: 1000)
        let trainer = try Trainer(options: .init(architecture: [784, 100, 10], epochs: 1, seed: 3, dataset: "mnist"), train: train, test: test)
        var records: [EpochRecord] = []
        _ = try trainer.run(progress: { _ in }, epochCompleted: { record, _ in records.append(record) }, shouldStop: { false })
        XCTAssertEqual(records.count, 1)
        XCTAssertGreaterThan(records[0].testAccuracy, 0.60, "test accuracy \(records[0].testAccuracy)")
        XCTAssertEqual(trainer.checkpoint.best.provenance.testAccuracyPerEpoch, [records[0].testAccuracy])
    }

    /// Two epochs straight equal one epoch, a checkpoint round trip through bytes, and a second.
    func testResumeFromCheckpointIsBitExact() throws {
        let data = try store()
        let train = try data.load(.mnist, split: .train, limit: 200)
        let test = try data.load(.mnist, split: .test, limit: 50)
        let options = Trainer.Options(architecture: [784, 30, 10], constants: NeuronConstants(timeSteps: 100), epochs: 2, seed: 5, dataset: "mnist")
        let straight = try Trainer(options: options, train: train, test: test)
        _ = try straight.run(progress: { _ in }, epochCompleted: { _, _ in }, shouldStop: { false })

        var saved: [UInt8] = []
        var firstHalf = options
        firstHalf.epochs = 1
        _ = try Trainer(options: firstHalf, train: train, test: test)
            .run(progress: { _ in }, epochCompleted: { _, checkpoint in saved = try checkpoint.encode() }, shouldStop: { false })
        let resumed = try Trainer(options: options, train: train, test: test,
                                  resumeFrom: try TrainingCheckpoint.decode(saved, path: "ckpt"))
        _ = try resumed.run(progress: { _ in }, epochCompleted: { _, _ in }, shouldStop: { false })
        XCTAssertEqual(resumed.checkpoint.current.network, straight.checkpoint.current.network)
        XCTAssertEqual(resumed.checkpoint.state.history.map(\.testAccuracy), straight.checkpoint.state.history.map(\.testAccuracy))
    }

    func testInterruptionStopsBeforeTheEpochCompletes() throws {
        let data = try store()
        let train = try data.load(.mnist, split: .train, limit: 100)
        let test = try data.load(.mnist, split: .test, limit: 10)
        let trainer = try Trainer(options: .init(architecture: [784, 20, 10], constants: NeuronConstants(timeSteps: 60), epochs: 1, seed: 1,
                                                 dataset: "mnist"), train: train, test: test)
        var calls = 0
        var completed = 0
        let outcome = try trainer.run(progress: { _ in }, epochCompleted: { _, _ in completed += 1 },
                                      shouldStop: { calls += 1; return calls > 40 })
        guard case .interrupted(let epochs) = outcome else { return XCTFail("expected an interruption") }
        XCTAssertEqual(epochs, 0)
        XCTAssertEqual(completed, 0, "no checkpoint is handed out for a partial epoch")
    }

    func testDamagedCheckpointIsRejected() throws {
        let data = try store()
        let train = try data.load(.mnist, split: .train, limit: 20)
        let test = try data.load(.mnist, split: .test, limit: 5)
        var saved: [UInt8] = []
        _ = try Trainer(options: .init(architecture: [784, 8, 10], constants: NeuronConstants(timeSteps: 40), epochs: 1, seed: 1, dataset: "mnist"),
                        train: train, test: test)
            .run(progress: { _ in }, epochCompleted: { _, checkpoint in saved = try checkpoint.encode() }, shouldStop: { false })
        var damaged = saved
        damaged[damaged.count / 2] ^= 1
        XCTAssertThrowsError(try TrainingCheckpoint.decode(damaged, path: "x.checkpoint"))
        XCTAssertThrowsError(try TrainingCheckpoint.decode(Array(saved.prefix(saved.count - 9)), path: "x.checkpoint"))
    }

    func testBoostRaisesOnlyMisclassifiedWeights() {
        var weights: [Float] = [1, 1, 1, 1]
        Trainer.boost(&weights, correct: [true, false, true, true], labels: [0, 0, 1, 1])
        XCTAssertEqual(weights[0], 1)
        XCTAssertEqual(weights[1], Float(exp(0.5 / 20)), accuracy: 1e-6)
        XCTAssertEqual(weights[2], 1)
        XCTAssertEqual(weights[3], 1)
    }

    func testSettingsByName() throws {
        var config = TrainingConfig()
        try config.apply(setting: "learningRate=0.0005")
        try config.apply(setting: "boost=false")
        XCTAssertEqual(config.learningRate, 0.0005)
        XCTAssertFalse(config.boost)
        XCTAssertThrowsError(try config.apply(setting: "learningrate=1"))
        XCTAssertThrowsError(try config.apply(setting: "margin=abc"))
        XCTAssertEqual(config.learningRate(epoch: 0), 0.0005)
        XCTAssertEqual(config.learningRate(epoch: 4), 0.00025, accuracy: 1e-9)
    }
}
