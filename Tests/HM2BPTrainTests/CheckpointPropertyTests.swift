import Foundation
import Kernels
import SpikeData
import SpikeModel
import XCTest
@testable import HM2BPTrain

/// Property: a checkpoint whose state lies (CRC recomputed: what a crafted file looks like) is
/// refused naming the field, or resumes and trains without trapping or hanging. The same for
/// hyperparameters and run options: a clear error or a correct run.
final class CheckpointPropertyTests: XCTestCase {
    /// Eight 2x2 images of two classes.
    static let images = LabeledImages(rows: 2, columns: 2, pixels: (0..<32).map { UInt8(($0 * 37) % 256) }, labels: [0, 1, 0, 1, 1, 0, 1, 0])

    static func options(epochs: Int = 1, config: TrainingConfig = TrainingConfig()) -> Trainer.Options {
        Trainer.Options(architecture: [4, 3, 2], constants: NeuronConstants(timeSteps: 12), config: config, epochs: epochs, seed: 3, dataset: "mnist")
    }

    /// A real checkpoint after one epoch.
    static func checkpoint() throws -> TrainingCheckpoint {
        let trainer = try Trainer(options: options(), train: images, test: images)
        _ = try trainer.run(progress: { _ in }, epochCompleted: { _, _ in }, shouldStop: { false })
        return trainer.checkpoint
    }

    func testCraftedStatesAreRefusedOrResumeCleanly() throws {
        let original = try Self.checkpoint()
        var rng = SplitMix64(seed: 31)
        let hostile = [-5, -1, 0, 1, 7, 8, 9, 1 << 40, Int.max]
        var refused = 0, resumed = 0
        let n = original.state.order.count
        for _ in 0..<150 {
            var crafted = original
            let value = hostile[Int(rng.next() % UInt64(hostile.count))]
            switch rng.next() % 8 {
            case 0: crafted.state.order[Int(rng.next() % UInt64(n))] = value
            case 1: crafted.state.order = Array(crafted.state.order.prefix(Int(rng.next() % UInt64(n))))
            case 2: crafted.state.boostWeights = Array(crafted.state.boostWeights.prefix(Int(rng.next() % UInt64(n + 1))))
            case 3: crafted.state.boostWeights[Int(rng.next() % UInt64(n))] = [-1, -1e-30, 0, 2, 1e30][Int(rng.next() % 5)]
            case 4: crafted.state.epochsCompleted = value
            case 5: crafted.state.adamStep = value
            case 6: crafted.state.config.swapsPerEpoch = value
            default: crafted.state.bestTestAccuracy = [-2, -1, 0.5, 7][Int(rng.next() % 4)]
            }
            let bytes = try crafted.encode()
            let decoded: TrainingCheckpoint
            do {
                decoded = try TrainingCheckpoint.decode(bytes, path: "c.checkpoint")
            } catch let error as ModelError {
                XCTAssertTrue("\(error)".hasPrefix("c.checkpoint: "), "\(error)")
                refused += 1
                continue
            }
            // Accepted: it must resume (or be refused as not matching this run) and train.
            do {
                let trainer = try Trainer(options: Self.options(epochs: decoded.state.epochsCompleted + 1), train: Self.images, test: Self.images,
                                          resumeFrom: decoded)
                _ = try trainer.run(progress: { _ in }, epochCompleted: { _, _ in }, shouldStop: { false })
                resumed += 1
            } catch is Trainer.OptionError {
                refused += 1
            }
        }
        XCTAssertGreaterThan(refused, 0)
        XCTAssertGreaterThan(resumed, 0, "valid values (e.g. a permuted order) still resume")
    }

    /// Issue 9 item 7 as named cases.
    func testTheReportedCheckpointsAreRefusedNamingTheField() throws {
        let original = try Self.checkpoint()
        let cases: [(String, (inout TrainingCheckpoint) -> Void)] = [
            ("order", { $0.state.order[2] = 99 }),
            ("order", { $0.state.order[2] = $0.state.order[3] }),
            ("boostWeights", { $0.state.boostWeights.removeLast() }),
            ("epochsCompleted", { $0.state.epochsCompleted = -1 }),
            ("adamStep", { $0.state.adamStep = -1 }),
            ("config.swapsPerEpoch", { $0.state.config.swapsPerEpoch = 1_000_000_000_000_000 }),
        ]
        for (field, craft) in cases {
            var crafted = original
            craft(&crafted)
            XCTAssertThrowsError(try TrainingCheckpoint.decode(try crafted.encode(), path: "c"), field) { error in
                XCTAssertTrue("\(error)".contains("field \(field)"), "\(field): \(error)")
            }
        }
    }

    /// A checkpoint made in memory (no decoder in between) is checked by the trainer itself.
    func testTheTrainerChecksACheckpointItWasHanded() throws {
        var crafted = try Self.checkpoint()
        crafted.state.order[0] = 1_000
        XCTAssertThrowsError(try Trainer(options: Self.options(epochs: 2), train: Self.images, test: Self.images, resumeFrom: crafted)) { error in
            XCTAssertEqual((error as? Trainer.OptionError)?.option, "--resume")
            XCTAssertTrue("\(error)".contains("field order"), "\(error)")
        }
    }

    /// Issue 9 items 1 and 2: a run whose output layer does not have one neuron per class, or a
    /// resume with another T, seed or data set, is refused before training.
    func testOptionsThatCrashedOrTrainedNonsenseAreRefused() throws {
        let checkpoint = try Self.checkpoint()
        var fewerOutputs = Self.options()
        fewerOutputs.architecture = [4, 3, 1]
        XCTAssertThrowsError(try Trainer(options: fewerOutputs, train: Self.images, test: Self.images)) { error in
            XCTAssertEqual((error as? Trainer.OptionError)?.option, "--arch")
        }
        fewerOutputs.architecture = [4, 5]
        XCTAssertThrowsError(try Trainer(options: fewerOutputs, train: Self.images, test: Self.images))
        for change in [{ (o: inout Trainer.Options) in o.constants.timeSteps = 6 }, { $0.constants.timeSteps = 24 }, { $0.seed = 4 },
                       { $0.dataset = "fashion-mnist" }, { $0.config.learningRate = 0.01 }] {
            var options = Self.options(epochs: 2)
            change(&options)
            XCTAssertThrowsError(try Trainer(options: options, train: Self.images, test: Self.images, resumeFrom: checkpoint)) { error in
                XCTAssertTrue(error is Trainer.OptionError, "\(error)")
                XCTAssertTrue("\(error)".contains("checkpoint"), "\(error)")
            }
        }
    }

    /// Property: any combination of hostile `--set` values is refused naming the setting, or is a
    /// configuration within every documented range.
    func testRandomSettingsAreRefusedOrWithinRange() {
        let names = Array(TrainingConfig().asDictionary.keys).sorted()
        let values = ["0", "-1", "1", "0.5", "1e30", "-1e30", "nan", "inf", "1e-40", "1000000000000000", "true", "x", "", "0.999", "8"]
        var rng = SplitMix64(seed: 8)
        for _ in 0..<500 {
            var config = TrainingConfig()
            do {
                for _ in 0..<(1 + Int(rng.next() % 3)) {
                    try config.apply(setting: names[Int(rng.next() % UInt64(names.count))] + "=" + values[Int(rng.next() % UInt64(values.count))])
                }
                try config.validate()
            } catch let error as TrainingConfig.SettingError {
                XCTAssertFalse("\(error)".isEmpty)
                continue
            } catch {
                XCTFail("unexpected \(error)")
            }
            XCTAssertNil(config.firstProblem())
            XCTAssertTrue(config.asDictionary.values.allSatisfy(\.isFinite))
            XCTAssertTrue(config.adamBeta2 < 1 && config.hiddenThreshold > 0 && config.swapsPerEpoch <= TrainingConfig.maximumSwapsPerEpoch)
        }
    }
}
