import Foundation
import SpikeModel
import XCTest

/// A small model compiled by the real `hm2bp compile`, shared by the emulate, verify and golden
/// command tests (MNIST test digits from the data mirror).
enum EmulatorCLIFixture {
    /// Writes model.hm2bp (784-40-10, T = 60, positive-leaning random weights) and compiles it
    /// for `target` into model.img; returns their paths.
    static func compiled(in directory: String, target: String = "hm2bp-nano", seed: UInt64 = 2024) throws -> (model: String, image: String) {
        var random = SplitMix(seed: seed)  // seeded: a test's model must not change between runs
        let layers = [DenseLayer(inputCount: 784, outputCount: 40, threshold: 2, weights: (0..<(784 * 40)).map { _ in Float.random(in: -0.2...0.3, using: &random) }),
                      DenseLayer(inputCount: 40, outputCount: 10, threshold: 2, lateralInhibition: 0.5,
                                 weights: (0..<400).map { _ in Float.random(in: -0.5...1, using: &random) })]
        let model = Model(network: Network(constants: NeuronConstants(timeSteps: 60), layers: layers), provenance: Provenance(dataset: "mnist", seed: 1))
        let modelPath = directory + "/model.hm2bp", imagePath = directory + "/model.img"
        try ModelFile.write(model, to: modelPath)
        let compile = try CommandRunner.run(["compile", modelPath, "--target", target, "-o", imagePath, "--calibration-samples", "8"], in: directory)
        guard compile.status == 0 else { throw XCTSkip("compile failed: \(compile.stderr)") }
        return (modelPath, imagePath)
    }
}

final class EmulateCommandTests: XCTestCase {
    func testEmulatesTestDigitsAndPrintsAccuracySpikesAndEvents() throws {
        let directory = try CommandRunner.temporaryDirectory(self)
        let (_, image) = try EmulatorCLIFixture.compiled(in: directory)
        let text = try CommandRunner.run(["emulate", image, "--dataset", "mnist", "--limit", "30"], in: directory)
        XCTAssertEqual(text.status, 0, text.stderr)
        XCTAssertTrue(text.stdout.contains("of 30)"), text.stdout)
        XCTAssertTrue(text.stdout.contains("synaptic events"), text.stdout)

        let json = try CommandRunner.run(["emulate", image, "--limit", "30", "--json"], in: directory)
        XCTAssertEqual(json.status, 0, json.stderr)
        let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as! [String: Any]
        XCTAssertEqual(object["samples"] as? Int, 30)
        XCTAssertEqual((object["meanSpikesPerLayer"] as? [Double])?.count, 2)
        XCTAssertGreaterThan(object["synapticEvents"] as? Int ?? 0, 0)
    }

    func testTraceWritesSpikesStatesAndARasterPicture() throws {
        let directory = try CommandRunner.temporaryDirectory(self)
        let (_, image) = try EmulatorCLIFixture.compiled(in: directory)
        let run = try CommandRunner.run(["emulate", image, "--limit", "5", "-o", "traces", "--trace-limit", "2"], in: directory)
        XCTAssertEqual(run.status, 0, run.stderr)
        for file in ["trace.json", "sample-00000/raster.svg", "sample-00001/layer-1-spikes.csv", "sample-00001/layer-0-membrane.i64"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: directory + "/traces/" + file), file)
        }
        let size = try FileManager.default.attributesOfItem(atPath: directory + "/traces/sample-00000/layer-0-membrane.i64")[.size] as? Int
        XCTAssertEqual(size, 60 * 40 * 8)
    }

    func testMalformedImageIsAnErrorNamingTheFile() throws {
        let directory = try CommandRunner.temporaryDirectory(self)
        try AtomicFile.write("not an image", to: directory + "/bad.img")
        let run = try CommandRunner.run(["emulate", "bad.img", "--limit", "1"], in: directory)
        XCTAssertNotEqual(run.status, 0)
        XCTAssertTrue(run.stderr.contains("bad.img"), run.stderr)
        let missing = try CommandRunner.run(["emulate", "none.img"], in: directory)
        XCTAssertNotEqual(missing.status, 0)
        XCTAssertTrue(missing.stderr.contains("none.img"), missing.stderr)
    }

    /// Issue 9 items 12, 13, 20 and 22: an empty trace folder is refused (it wrote into /), counts
    /// below 1 too; the old --trace/--samples still work with a warning; the JSON names the
    /// image, its hash and the data it ran on (the seed the image records, not a fixed 1).
    func testOutputCountsAliasesAndJSON() throws {
        let directory = try CommandRunner.temporaryDirectory(self)
        let (_, image) = try EmulatorCLIFixture.compiled(in: directory)
        for arguments in [["--trace", ""], ["-o", ""], ["--limit", "0"], ["--limit", "-3"], ["-o", "t", "--trace-limit", "0"]] {
            let run = try CommandRunner.run(["emulate", image] + arguments, in: directory)
            XCTAssertEqual(run.status, 2, "\(arguments): \(run.stderr)")
            XCTAssertTrue(run.stderr.hasPrefix("hm2bp: warning") || run.stderr.hasPrefix("hm2bp: error"), run.stderr)
        }
        let old = try CommandRunner.run(["emulate", image, "--limit", "2", "--trace", "old", "--samples", "1", "--json"], in: directory)
        XCTAssertEqual(old.status, 0, old.stderr)
        XCTAssertTrue(old.stderr.contains("--trace is deprecated") && old.stderr.contains("--samples is deprecated"), old.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: directory + "/old/trace.json"))
        let report = try JSONSerialization.jsonObject(with: Data(old.stdout.utf8)) as! [String: Any]
        XCTAssertEqual(report["image"] as? String, image)
        XCTAssertEqual((report["imageSHA256"] as? String)?.count, 64)
        XCTAssertEqual(report["dataset"] as? String, "mnist")
        XCTAssertEqual(report["seed"] as? Int, 1)
        XCTAssertEqual(report["traces"] as? String, "old")
        let seeded = try CommandRunner.run(["emulate", image, "--limit", "2", "--seed", "5"], in: directory)
        XCTAssertEqual(seeded.status, 0, seeded.stderr)
        XCTAssertTrue(seeded.stderr.contains("warning: --seed 5 differs from the seed the image"), seeded.stderr)
    }
}
