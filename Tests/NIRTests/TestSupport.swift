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
}
