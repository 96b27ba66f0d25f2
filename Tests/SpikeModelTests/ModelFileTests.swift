import Foundation
import XCTest
@testable import SpikeModel

final class ModelFileTests: XCTestCase {
    func sampleModel() -> Model {
        var generator = SystemRandomNumberGenerator()
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
