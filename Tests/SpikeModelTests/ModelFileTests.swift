import Foundation
import Kernels
import XCTest
@testable import SpikeModel

final class ModelFileTests: XCTestCase {
    func sampleModel() -> Model {
        var generator = SplitMix64(seed: 71)  // seeded: the same cases every run
        let hidden = DenseLayer(inputCount: 6, outputCount: 4, threshold: 20,
                                weights: (0..<24).map { _ in Float.random(in: -1...1, using: &generator) })
        let output = DenseLayer(inputCount: 4, outputCount: 3, threshold: 8, lateralInhibition: 1,
                                weights: (0..<12).map { _ in Float.random(in: -1...1, using: &generator) })
        return Model(network: Network(constants: NeuronConstants(timeSteps: 50), layers: [hidden, output]),
                     provenance: Provenance(dataset: "mnist", seed: 9, epochs: 2, trainLimit: 100,
                                            testAccuracyPerEpoch: [0.5, 0.75], trainAccuracyPerEpoch: [0.4, 0.7],
                                            checkpointEpoch: 1, hyperparameters: ["margin": 5]))
    }

    func testRoundTripKeepsEverything() throws {
        let model = sampleModel()
        XCTAssertEqual(try ModelFile.decode(try ModelFile.encode(model)), model)
    }

    func testWriteIsAtomicAndReadable() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("hm2bp-model-\(UUID())")
        let path = directory.appendingPathComponent("m.hm2bp").path
        let model = sampleModel()
        try ModelFile.write(model, to: path)
        XCTAssertEqual(try ModelFile.read(path: path), model)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0 != "m.hm2bp" }
        XCTAssertEqual(leftovers, [], "no temporary file is left behind")
    }

    func testEveryTruncationIsRejectedWithTheFileName() throws {
        let bytes = try ModelFile.encode(sampleModel())
        for length in stride(from: 0, to: bytes.count, by: 7) {
            XCTAssertThrowsError(try ModelFile.decode(Array(bytes[0..<length]), path: "cut.hm2bp")) { error in
                XCTAssertTrue("\(error)".hasPrefix("cut.hm2bp: "), "\(error)")
            }
        }
    }

    func testFlippedBytesAreDetected() throws {
        let bytes = try ModelFile.encode(sampleModel())
        for position in stride(from: 0, to: bytes.count, by: 5) {
            var damaged = bytes
            damaged[position] ^= 0x41
            XCTAssertThrowsError(try ModelFile.decode(damaged, path: "bad.hm2bp"), "flip at \(position) accepted")
        }
    }

    func testFutureVersionNamesTheVersion() throws {
        var bytes = try ModelFile.encode(sampleModel())
        bytes[8] = 7
        XCTAssertThrowsError(try ModelFile.decode(bytes, path: "new.hm2bp")) { error in
            XCTAssertTrue("\(error)".contains("version 7 is newer"), "\(error)")
        }
    }

    func testWrongMagicSaysNotAModel() {
        XCTAssertThrowsError(try ModelFile.decode(Array("P6 this is a picture, not a model".utf8), path: "x.ppm")) { error in
            XCTAssertTrue("\(error)".contains("not an hm2bp model file"), "\(error)")
        }
    }

    func testArchitectureParsing() throws {
        XCTAssertEqual(try Architecture.parse("784-400-400-10"), [784, 400, 400, 10])
        for bad in ["", "784", "784-", "784-x-10", "784-0-10", "-10"] {
            XCTAssertThrowsError(try Architecture.parse(bad), "'\(bad)' accepted")
        }
    }
}

/// Version 2: networks with convolution and pooling layers.
final class ConvolutionalModelFileTests: XCTestCase {
    func cnnModel() -> Model {
        var generator = SplitMix64(seed: 72)  // seeded: the same cases every run
        let conv = ConvolutionLayer(input: FeatureMapShape(channels: 2, height: 6, width: 8), kernelCount: 3, kernelSize: 3, threshold: 5,
                                    weights: (0..<54).map { _ in Float.random(in: -1...1, using: &generator) })
        let pool = PoolingLayer(input: conv.output, size: 2, threshold: 2)
        let output = DenseLayer(inputCount: 18, outputCount: 4, threshold: 10, lateralInhibition: 1,
                                weights: (0..<72).map { _ in Float.random(in: -1...1, using: &generator) })
        return Model(network: Network(constants: NeuronConstants(timeSteps: 50), spatialLayers: [.convolution(conv), .pooling(pool)], layers: [output]),
                     provenance: Provenance(dataset: "mnist", seed: 3))
    }

    func testRoundTripAndVersions() throws {
        let cnn = cnnModel()
        let bytes = try ModelFile.encode(cnn)
        XCTAssertEqual(bytes[8], 2, "a network with a spatial front is version 2")
        XCTAssertEqual(try ModelFile.decode(bytes), cnn)
        let dense = Model(network: Network(constants: NeuronConstants(), layers: [DenseLayer(inputCount: 2, outputCount: 2, threshold: 8, weights: [1, 2, 3, 4])]),
                          provenance: Provenance(dataset: "mnist", seed: 1))
        XCTAssertEqual(try ModelFile.encode(dense)[8], 1, "a fully connected network is still written as version 1")
    }

    /// Rewrites one header field and the CRC, so that only the field check can refuse the file.
    func withHeader(_ bytes: [UInt8], _ change: (inout [String: Any]) -> Void) throws -> [UInt8] {
        let length = Int(bytes[12]) | Int(bytes[13]) << 8 | Int(bytes[14]) << 16 | Int(bytes[15]) << 24
        var header = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(bytes[16..<(16 + length)])) as? [String: Any])
        change(&header)
        let json = Array(try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys]))
        var result = Array(bytes[0..<12])
        withUnsafeBytes(of: UInt32(json.count).littleEndian) { result += $0 }
        result += json + bytes[(16 + length)..<(bytes.count - 4)]
        withUnsafeBytes(of: crc32Of(result[...]).littleEndian) { result += $0 }
        return result
    }

    func testInconsistentSpatialFieldsAreRefusedByName() throws {
        let bytes = try ModelFile.encode(cnnModel())
        XCTAssertEqual(try ModelFile.decode(try withHeader(bytes) { _ in }), try ModelFile.decode(bytes), "the rewrite alone changes nothing")
        let cases: [(String, (inout [String: Any]) -> Void)] = [
            ("layers[0].kernelSize", { h in self.setLayer(&h, 0, "kernelSize", 9) }),
            ("layers[0].kernels", { h in self.setLayer(&h, 0, "kernels", 0) }),
            ("layers[1].poolSize", { h in self.setLayer(&h, 1, "poolSize", 3) }),
            ("layers[0].inputShape", { h in self.setLayer(&h, 0, "inputShape", ["channels": 2, "height": 6, "width": 9]) }),
            ("layers[1].kind", { h in self.setLayer(&h, 1, "kind", "softmax") }),
            ("layers[0].kind", { h in self.setLayer(&h, 0, "kind", nil) }),
        ]
        for (expected, change) in cases {
            XCTAssertThrowsError(try ModelFile.decode(try withHeader(bytes, change), path: "cnn.hm2bp"), expected) { error in
                XCTAssertTrue("\(error)".hasPrefix("cnn.hm2bp: ") && "\(error)".contains(expected), "\(expected): \(error)")
            }
        }
    }

    func testEncodersThisHM2BPKnowsLoadAndOthersAreRefused() throws {
        var model = cnnModel()
        model.provenance.dataset = "nmnist"
        model.provenance.encoder = Provenance.nmnistEncoder
        XCTAssertEqual(try ModelFile.decode(try ModelFile.encode(model)).provenance.encoder, "nmnist-stabilized-600us")
        let bytes = try ModelFile.encode(model)
        let other = try withHeader(bytes) { header in
            var provenance = header["provenance"] as! [String: Any]
            provenance["encoder"] = "latency"
            header["provenance"] = provenance
        }
        XCTAssertThrowsError(try ModelFile.decode(other, path: "m.hm2bp")) { error in
            XCTAssertTrue("\(error)".contains("provenance.encoder: 'latency'"), "\(error)")
        }
    }

    func setLayer(_ header: inout [String: Any], _ index: Int, _ key: String, _ value: Any?) {
        var layers = header["layers"] as! [[String: Any]]
        layers[index][key] = value
        header["layers"] = layers
    }
}
