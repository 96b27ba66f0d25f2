import Foundation
import NIR
import SpikeModel

/// Paths of the committed fixtures (next to this file), so tests run on a bare clone.
enum Fixtures {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
    static func path(_ name: String) -> String { folder.appendingPathComponent(name).path }
    static let pythonFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("python")

    static func temporaryDirectory() throws -> String {
        let path = NSTemporaryDirectory() + "hm2bp-nir-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// A seeded model with the features NIR cannot hold (lateral inhibition, refractory steps).
    static func model(tauM: Float = 64, tauS: Float = 8, seed: UInt64 = 3) -> Model {
        var state = seed
        func next() -> Float {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Float(Int64(bitPattern: state >> 11) % 2_000_001 - 1_000_000) / 1_000_000 * 0.7
        }
        let layers = [
            DenseLayer(inputCount: 12, outputCount: 7, threshold: 1.25, weights: (0..<84).map { _ in next() }),
            DenseLayer(inputCount: 7, outputCount: 3, threshold: 0.75, lateralInhibition: 0.375, weights: (0..<21).map { _ in next() }),
        ]
        return Model(network: Network(constants: NeuronConstants(tauM: tauM, tauS: tauS, refractorySteps: 2, timeSteps: 50), layers: layers),
                     provenance: Provenance(dataset: "mnist", seed: 9, epochs: 2, testAccuracyPerEpoch: [0.5, 0.625], createdBy: "NIRTests"))
    }

    /// A seeded 12x12-4C3-P2-10 spiking CNN with taus whose divisions do not come out even.
    static func cnnModel(seed: UInt64 = 3) -> Model {
        var state = seed
        func next() -> Float {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Float(Int64(bitPattern: state >> 11) % 2_000_001 - 1_000_000) / 1_000_000 * 0.7
        }
        let conv = ConvolutionLayer(input: FeatureMapShape(channels: 1, height: 12, width: 12), kernelCount: 4, kernelSize: 3, threshold: 0.75,
                                    weights: (0..<36).map { _ in next() })
        let pool = PoolingLayer(input: conv.output, size: 2, threshold: 0.6)
        let dense = DenseLayer(inputCount: 100, outputCount: 10, threshold: 1.3, weights: (0..<1000).map { _ in next() })
        return Model(network: Network(constants: NeuronConstants(tauM: 20.3, tauS: 5, refractorySteps: 0, timeSteps: 50),
                                      spatialLayers: [.convolution(conv), .pooling(pool)], layers: [dense]),
                     provenance: Provenance(dataset: "mnist", seed: 4, createdBy: "NIRTests"))
    }
}
