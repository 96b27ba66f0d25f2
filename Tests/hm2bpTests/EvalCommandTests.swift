import Foundation
import SpikeModel
import XCTest

final class EvalCommandTests: XCTestCase {
    func testEvalPrintsAccuracyConfusionAndSpikesAsTextAndJSON() throws {
        let dir = try CommandRunner.temporaryDirectory(self)
        let trained = try CommandRunner.run(["train", "--arch", "784-100-10", "--train-limit", "1000", "--test-limit", "100",
                                             "-o", "m.hm2bp"], in: dir)
        XCTAssertEqual(trained.status, 0, trained.stderr)
        let text = try CommandRunner.run(["eval", "m.hm2bp", "--limit", "200"], in: dir)
        XCTAssertEqual(text.status, 0, text.stderr)
        XCTAssertTrue(text.stdout.contains("confusion matrix"), text.stdout)
        let json = try CommandRunner.run(["eval", "m.hm2bp", "--limit", "200", "--json"], in: dir)
        XCTAssertEqual(json.status, 0, json.stderr)
        let report = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(report["samples"] as? Int, 200)
        let confusion = try XCTUnwrap(report["confusion"] as? [[Int]])
        XCTAssertEqual(confusion.count, 10)
        XCTAssertEqual(confusion.flatMap { $0 }.reduce(0, +), 200)
        let correct = (0..<10).map { confusion[$0][$0] }.reduce(0, +)
        XCTAssertEqual(report["correct"] as? Int, correct)
        XCTAssertGreaterThan(Double(correct) / 200, 0.4, "1,000 training images must beat chance (10%) clearly")
        XCTAssertEqual((report["meanSpikesPerLayer"] as? [Double])?.count, 2)
    }

    func testDamagedModelIsRejectedNamingTheFile() throws {
        let dir = try CommandRunner.temporaryDirectory(self)
        try Data("HM2BPMDL garbage".utf8).write(to: URL(fileURLWithPath: dir + "/broken.hm2bp"))
        let result = try CommandRunner.run(["eval", "broken.hm2bp"], in: dir)
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.stderr.contains("broken.hm2bp"), result.stderr)
        let missing = try CommandRunner.run(["eval", "nothing.hm2bp"], in: dir)
        XCTAssertNotEqual(missing.status, 0)
        XCTAssertTrue(missing.stderr.contains("nothing.hm2bp"), missing.stderr)
    }

    /// A small model recording `dataset` and `seed` as its training data.
    static func writeModel(dataset: String, seed: UInt64, to path: String) throws {
        var random = SplitMix(seed: 5)
        let layers = [DenseLayer(inputCount: 784, outputCount: 10, threshold: 2, weights: (0..<7840).map { _ in random.uniform(-0.1, 0.3) })]
        try ModelFile.write(Model(network: Network(constants: NeuronConstants(timeSteps: 30), layers: layers),
                                  provenance: Provenance(dataset: dataset, seed: seed)), to: path)
    }

    /// Issue 9 item 8: eval defaults to the data set and seed the model records. A model trained
    /// on Fashion-MNIST is evaluated on Fashion-MNIST (here: a damaged copy, so the error names
    /// it), and an explicit --dataset that differs is used with a warning.
    func testDefaultsToTheModelsDataSetAndSeedAndWarnsOnAnotherOne() throws {
        let dir = try CommandRunner.temporaryDirectory(self)
        try Self.writeModel(dataset: "fashion-mnist", seed: 9, to: dir + "/f.hm2bp")
        try FileManager.default.createDirectory(atPath: dir + "/data/fashion-mnist", withIntermediateDirectories: true)
        for name in ["t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"] {
            try Data("not the real file".utf8).write(to: URL(fileURLWithPath: dir + "/data/fashion-mnist/" + name))
        }
        let implicit = try CommandRunner.run(["eval", "f.hm2bp", "--limit", "5"], in: dir)
        XCTAssertEqual(implicit.status, 4, implicit.stderr)
        XCTAssertTrue(implicit.stderr.contains("fashion-mnist/t10k"), implicit.stderr)

        let explicit = try CommandRunner.run(["eval", "f.hm2bp", "--limit", "5", "--dataset", "mnist", "--json"], in: dir)
        XCTAssertEqual(explicit.status, 0, explicit.stderr)
        XCTAssertTrue(explicit.stderr.contains("warning: --dataset mnist differs from fashion-mnist"), explicit.stderr)
        let report = try JSONSerialization.jsonObject(with: Data(explicit.stdout.utf8)) as! [String: Any]
        XCTAssertEqual(report["dataset"] as? String, "mnist")
        XCTAssertEqual(report["seed"] as? Int, 9, "the model's seed")
        XCTAssertEqual(report["model"] as? String, "f.hm2bp")
    }

    /// Issue 9 items 13, 18 and 19: counts below 1 (negative ones read as values) and a compiled
    /// image given as the model are clear errors with their documented statuses.
    func testCountsBelowOneAndAnImageInsteadOfAModel() throws {
        let dir = try CommandRunner.temporaryDirectory(self)
        try Self.writeModel(dataset: "mnist", seed: 1, to: dir + "/m.hm2bp")
        for value in ["0", "-1"] {
            let run = try CommandRunner.run(["eval", "m.hm2bp", "--limit", value], in: dir)
            XCTAssertEqual(run.status, 2, run.stderr)
            XCTAssertTrue(run.stderr.contains("--limit must be at least 1 (got \(value))"), run.stderr)
        }
        XCTAssertEqual(try CommandRunner.run(["compile", "m.hm2bp", "-o", "m.img", "--calibration-samples", "0"], in: dir).status, 0)
        let swapped = try CommandRunner.run(["eval", "m.img"], in: dir)
        XCTAssertEqual(swapped.status, 3, swapped.stderr)
        XCTAssertTrue(swapped.stderr.contains("this is a compiled hm2bp image, not an hm2bp model file"), swapped.stderr)
    }
}

/// A seeded generator for test fixtures (SplitMix64).
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func uniform(_ low: Float, _ high: Float) -> Float { Float.random(in: low...high, using: &self) }
}
