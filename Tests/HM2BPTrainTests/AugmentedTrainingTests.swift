import SpikeData
import SpikeModel
import XCTest
@testable import HM2BPTrain

/// Training a CNN with augmentation: the distorted images and their fresh spikes depend on
/// (seed, epoch, sample) alone, so two runs agree exactly, they differ from the undistorted run,
/// and a run resumed from a checkpoint (the kernels' Adam state included) continues bit-exactly.
final class AugmentedTrainingTests: XCTestCase {
    func images(count: Int) -> LabeledImages {
        var pixels = [UInt8](repeating: 0, count: count * 784)
        for i in 0..<count {
            let top = 4 + i % 12, left = 6 + (i * 5) % 14
            for row in top..<(top + 8) { for column in left..<(left + 5) { pixels[i * 784 + row * 28 + column] = 255 } }
        }
        return LabeledImages(rows: 28, columns: 28, pixels: pixels, labels: (0..<count).map { UInt8($0 % 10) })
    }

    func options(augmentation: Bool, epochs: Int = 2) throws -> Trainer.Options {
        var config = TrainingConfig.convolutionalMNIST
        config.augmentation = augmentation
        config.swapsPerEpoch = 3
        return Trainer.Options(architecture: try Architecture.parse("28x28-2C5-P2-10"), constants: NeuronConstants(timeSteps: 60),
                               config: config, epochs: epochs, seed: 4, dataset: "synthetic")
    }

    func trainedWeights(augmentation: Bool) throws -> [Float] {
        let options = try options(augmentation: augmentation)
        let trainer = try Trainer(options: options, train: images(count: 12), test: images(count: 4))
        _ = try trainer.run(progress: { _ in }, epochCompleted: { _, _ in }, shouldStop: { false })
        let network = trainer.checkpoint.current.network
        guard case .convolution(let conv) = network.spatialLayers[0] else { XCTFail("no convolution"); return [] }
        return conv.weights + network.layers[0].weights
    }

    func testAugmentedRunsRepeatExactlyAndDifferFromPlainOnes() throws {
        let augmented = try trainedWeights(augmentation: true)
        XCTAssertEqual(augmented, try trainedWeights(augmentation: true))
        XCTAssertNotEqual(augmented, try trainedWeights(augmentation: false))
    }

    func testAResumedConvolutionalRunContinuesExactly() throws {
        let straight = try Trainer(options: try options(augmentation: true), train: images(count: 12), test: images(count: 4))
        _ = try straight.run(progress: { _ in }, epochCompleted: { _, _ in }, shouldStop: { false })
        var saved: [UInt8] = []
        _ = try Trainer(options: try options(augmentation: true, epochs: 1), train: images(count: 12), test: images(count: 4))
            .run(progress: { _ in }, epochCompleted: { _, checkpoint in saved = try checkpoint.encode() }, shouldStop: { false })
        let resumed = try Trainer(options: try options(augmentation: true), train: images(count: 12), test: images(count: 4),
                                  resumeFrom: try TrainingCheckpoint.decode(saved, path: "ckpt"))
        _ = try resumed.run(progress: { _ in }, epochCompleted: { _, _ in }, shouldStop: { false })
        // Bool comparisons: a failure would otherwise print every weight.
        XCTAssertTrue(resumed.checkpoint.current.network == straight.checkpoint.current.network, "resumed weights differ")
        XCTAssertTrue(resumed.checkpoint.adamMoments.map(\.0) == straight.checkpoint.adamMoments.map(\.0), "resumed Adam moments differ")
    }
}
