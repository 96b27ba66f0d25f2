import Foundation
import Kernels
import XCTest
@testable import SpikeModel

/// Property: a model file whose header lies (any number replaced by a hostile one, checksums
/// recomputed) decodes into a model within the limits of docs/model-format.md or fails with a
/// `ModelError` naming the file; never a trap or an allocation the file does not back.
final class ModelFilePropertyTests: XCTestCase {
    static let hostileNumbers: [Any] = [0, -1, 1, 2, 8.5, 1e-40, 1e-7, 1e30, 1e300, Int(Int32.max) + 1, 1 << 24, (1 << 24) + 1,
                                        1 << 62, Int.min, UInt64(1) << 63, Float.greatestFiniteMagnitude, 65_537, 1_048_577]

    func sampleModel() -> Model {
        var rng = SplitMix64(seed: 1)
        let hidden = DenseLayer(inputCount: 6, outputCount: 4, threshold: 20, weights: (0..<24).map { _ in Float(rng.next() % 200) / 100 - 1 })
        let output = DenseLayer(inputCount: 4, outputCount: 3, threshold: 8, lateralInhibition: 1, weights: (0..<12).map { _ in Float(rng.next() % 200) / 100 - 1 })
        return Model(network: Network(constants: NeuronConstants(timeSteps: 50), layers: [hidden, output]),
                     provenance: Provenance(dataset: "mnist", seed: 9, epochs: 2, trainLimit: 100))
    }

    /// The file with its header replaced (length and CRC recomputed).
    static func file(header: [UInt8], weightsOf model: Model) -> [UInt8] {
        var bytes = ModelFile.magic
        appendLittleEndian(ModelFile.currentVersion, to: &bytes)
        appendLittleEndian(UInt32(header.count), to: &bytes)
        bytes += header
        for layer in model.network.layers { for w in layer.weights { appendLittleEndian(w.bitPattern, to: &bytes) } }
        appendLittleEndian(crc32Of(bytes[...]), to: &bytes)
        return bytes
    }

    static func header(of model: Model) throws -> [String: Any] {
        let bytes = try ModelFile.encode(model)
        let length = Int(readLittleEndian(bytes, at: 12))
        return try JSONSerialization.jsonObject(with: Data(bytes[16..<(16 + length)])) as! [String: Any]
    }

    /// Paths of every number in a JSON tree.
    static func numberPaths(_ value: Any, prefix: [Any] = []) -> [[Any]] {
        if let object = value as? [String: Any] { return object.keys.sorted().flatMap { numberPaths(object[$0]!, prefix: prefix + [$0]) } }
        if let array = value as? [Any] { return array.indices.flatMap { numberPaths(array[$0], prefix: prefix + [$0]) } }
        return value is NSNumber ? [prefix] : []
    }

    static func replacing(_ value: Any, at path: ArraySlice<Any>, with new: Any) -> Any {
        guard let key = path.first else { return new }
        if var object = value as? [String: Any], let key = key as? String {
            object[key] = replacing(object[key]!, at: path.dropFirst(), with: new)
            return object
        }
        if var array = value as? [Any], let index = key as? Int {
            array[index] = replacing(array[index], at: path.dropFirst(), with: new)
            return array
        }
        return value
    }

    func testHeadersWithHostileNumbersDecodeWithinLimitsOrFailNamingTheFile() throws {
        let model = sampleModel()
        let header = try Self.header(of: model)
        let paths = Self.numberPaths(header)
        var rng = SplitMix64(seed: 77)
        for _ in 0..<400 {
            var mutated: Any = header
            for _ in 0..<(1 + Int(rng.next() % 2)) {
                let path = paths[Int(rng.next() % UInt64(paths.count))]
                mutated = Self.replacing(mutated, at: path[...], with: Self.hostileNumbers[Int(rng.next() % UInt64(Self.hostileNumbers.count))])
            }
            let json = Array(try JSONSerialization.data(withJSONObject: mutated))
            let bytes = Self.file(header: json, weightsOf: model)
            do {
                let decoded = try ModelFile.decode(bytes, path: "p.hm2bp")
                XCTAssertNil(decoded.network.constants.firstProblem())
                for layer in decoded.network.layers {
                    XCTAssertTrue(layer.threshold >= ModelFile.minimumThreshold && layer.threshold <= ModelFile.maximumMagnitude)
                    XCTAssertTrue(layer.lateralInhibition >= 0 && layer.lateralInhibition <= ModelFile.maximumMagnitude)
                }
            } catch let error as ModelError {
                XCTAssertTrue("\(error)".hasPrefix("p.hm2bp: "), "\(error)")
                XCTAssertFalse("\(error)".contains("not valid JSON"), "a number that does not fit is named: \(error)")
            }
        }
    }

    /// Issue 9 items 5, 6, 11 and 17 as named cases.
    func testTheReportedHeadersAreRefusedNamingTheField() throws {
        let model = sampleModel()
        let header = try Self.header(of: model)
        let cases: [([Any], Any, String)] = [
            (["constants", "timeSteps"], 1 << 62, "timeSteps"),
            (["constants", "timeSteps"], 1 << 31, "timeSteps"),
            (["constants", "refractorySteps"], 1 << 31, "refractorySteps"),
            (["constants", "tauM"], 1e30, "tauM"),
            (["layers", 0, "threshold"], 1e-40, "layers[0].threshold"),
            (["layers", 0, "inputs"], 8.5, "layers[0].inputs"),
            (["layers", 1, "outputs"], UInt64(1) << 63, "layers[1].outputs"),
            (["provenance", "seed"], -1, "provenance.seed"),
        ]
        for (path, value, field) in cases {
            let json = Array(try JSONSerialization.data(withJSONObject: Self.replacing(header, at: path[...], with: value)))
            XCTAssertThrowsError(try ModelFile.decode(Self.file(header: json, weightsOf: model), path: "m.hm2bp"), field) { error in
                XCTAssertTrue("\(error)".contains(field), "\(field): \(error)")
            }
        }
        var missing = header
        missing["constants"] = ["tauM": 64, "tauS": 8, "timeSteps": 50]
        let json = Array(try JSONSerialization.data(withJSONObject: missing))
        XCTAssertThrowsError(try ModelFile.decode(Self.file(header: json, weightsOf: model), path: "m.hm2bp")) { error in
            XCTAssertTrue("\(error)".contains("field constants.refractorySteps: missing"), "\(error)")
        }
    }

    func testWeightsBeyondTheLimitAndOtherFileKindsAreNamed() throws {
        var model = sampleModel()
        model.network.layers[1].weights[3] = 3e6
        XCTAssertThrowsError(try ModelFile.decode(try ModelFile.encode(model), path: "w.hm2bp")) { error in
            XCTAssertTrue("\(error)".contains("layer 1: weight 3"), "\(error)")
        }
        let image = Array("HM2BPIMG".utf8) + [UInt8](repeating: 0, count: 40)
        XCTAssertThrowsError(try ModelFile.decode(image, path: "x.img")) { error in
            XCTAssertTrue("\(error)".contains("this is a compiled hm2bp image, not an hm2bp model file"), "\(error)")
        }
    }

    func testArchitecturesBeyondTheLimitsAreRefused() {
        XCTAssertThrowsError(try Network.parseArchitecture("784-100000000-10"))
        XCTAssertThrowsError(try Network.parseArchitecture("784-400000-10"), "over 2^28 weights")
        XCTAssertThrowsError(try Network.parseArchitecture("9223372036854775807-9223372036854775807"), "the product overflows")
        XCTAssertEqual(try Network.parseArchitecture("784-800-10"), [784, 800, 10])
        var rng = SplitMix64(seed: 5)
        let pieces = ["784", "-", "0", "10", "-1", "99999999999999999999", "x", "", "800", "16777217"]
        for _ in 0..<500 {
            let text = (0..<Int(rng.next() % 6)).map { _ in pieces[Int(rng.next() % UInt64(pieces.count))] }.joined()
            if let widths = try? Network.parseArchitecture(text) {
                XCTAssertNil(Network.architectureProblem(widths), text)
                XCTAssertTrue(widths.count >= 2 && widths.allSatisfy { $0 > 0 }, text)
            }
        }
    }
}
