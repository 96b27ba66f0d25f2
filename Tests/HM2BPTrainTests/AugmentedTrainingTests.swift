import SpikeData
import SpikeModel
import XCTest
@testable import HM2BPTrain

/// Training with augmentation: the distorted images and their fresh spikes depend on (seed,
/// epoch, sample) alone, so two runs agree exactly, and they differ from the undistorted run.
final class AugmentedTrainingTests: XCTestCase {
    func images(count: Int) -> LabeledImages {
        var pixels = [UInt8](repeating: 0, count: count * 784)
        for i in 0..<count {
            let top = 4 + i % 12, left = 6 + (i * 5) % 14
            for row in top..<(top + 8) { for column in left..<(left + 5) { pixels[i * 784 + row * 28 + column] = 255 } }
        }
        return LabeledImages(rows: 28, columns: 28, pixels: pixels, labels: (0..<count).map { UInt8($0 % 10) })
    }

    func trainedWeights(augmentation: Bool) throws -> [Float] {
        var config = TrainingConfig.convolutionalMNIST
        config.augmentation = augmentation
        config.swapsPerEpoch = 0
        let options = Trainer.Options(architecture: try Architecture.parse("28x28-2C5-P2-10"), constants: NeuronConstants(timeSteps: 60),
                                      config: config, epochs: 2, seed: 4, dataset: "synthetic")
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
}
