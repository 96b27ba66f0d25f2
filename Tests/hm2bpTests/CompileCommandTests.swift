import Foundation
import SpikeModel
import XCTest

/// Fixtures of the compiler-side command tests (the runner itself is `CommandRunner`).
enum CommandFixtures {
    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("hm2bp-compile-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// A model with U[-1,1] weights, VTH 20 hidden / 8 output, lateral inhibition 1 on the output.
    static func writeModel(_ widths: [Int], timeSteps: Int = 400, to path: String) throws {
        var rng = SplitMix(seed: 7)  // seeded: the same fixture every run
        let layers = (1..<widths.count).map { l in
            DenseLayer(inputCount: widths[l - 1], outputCount: widths[l], threshold: l == widths.count - 1 ? 8 : 20,
                       lateralInhibition: l == widths.count - 1 ? 1 : 0,
                       weights: (0..<(widths[l - 1] * widths[l])).map { _ in Float.random(in: -1...1, using: &rng) })
        }
        let model = Model(network: Network(constants: NeuronConstants(timeSteps: timeSteps), layers: layers),
                          provenance: Provenance(dataset: "mnist", seed: 1))
        try ModelFile.write(model, to: path)
    }
}

final class CompileCommandTests: XCTestCase {
    func testCompilesForABoardAndReportsCoresAndQuantization() throws {
        let dir = try CommandFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let model = dir.appendingPathComponent("m.hm2bp").path, image = dir.appendingPathComponent("m.img").path
        try CommandFixtures.writeModel([784, 800, 10], to: model)
        let run = try CommandRunner.run(["compile", model, "--target", "hm2bp-nano", "-o", image, "--calibration-samples", "0"])
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertTrue(run.stdout.contains("image for target hm2bp-nano"), run.stdout)
        XCTAssertTrue(run.stdout.contains("cores used 8/8"), run.stdout)
        XCTAssertTrue(FileManager.default.fileExists(atPath: image))
        let json = try CommandRunner.run(["compile", model, "--target", "emulator", "-o", image, "--calibration-samples", "0", "--json"])
        XCTAssertEqual(json.status, 0, json.stderr)
        let report = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        XCTAssertEqual(report?["target"] as? String, "emulator")
        XCTAssertEqual((report?["cores"] as? [Any])?.count, 2)
    }

    func testCalibratesOnRealMNIST() throws {
        let mirror = try CommandRunner.dataMirror
        let dir = try CommandFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let model = dir.appendingPathComponent("m.hm2bp").path, image = dir.appendingPathComponent("m.img").path
        try CommandFixtures.writeModel([784, 30, 10], timeSteps: 60, to: model)
        let run = try CommandRunner.run(["compile", model, "--target", "hm2bp-micro", "-o", image, "--calibration-samples", "3", "--json"],
                                      environment: ["HM2BP_DATA_MIRROR": mirror, "HOME": dir.path])
        XCTAssertEqual(run.status, 0, run.stderr)
        let report = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any]
        let layers = report?["quantization"] as? [[String: Any]]
        XCTAssertEqual(layers?.first?["calibrationSamples"] as? Int, 3)
        XCTAssertNotNil(layers?.first?["countError"] as? Double)
    }

    func testAModelThatDoesNotFitWritesNothingAndNamesEveryViolation() throws {
        let dir = try CommandFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let model = dir.appendingPathComponent("big.hm2bp").path, image = dir.appendingPathComponent("big.img").path
        try CommandFixtures.writeModel([784, 1600, 200], to: model)
        let run = try CommandRunner.run(["compile", model, "--target", "hm2bp-nano", "-o", image, "--calibration-samples", "0"])
        XCTAssertNotEqual(run.status, 0)
        XCTAssertFalse(FileManager.default.fileExists(atPath: image), "nothing is written on failure")
        XCTAssertTrue(run.stderr.contains("layer 1: neurons on one core"), run.stderr)
        XCTAssertTrue(run.stderr.contains("model: cores"), run.stderr)
        XCTAssertTrue(run.stderr.contains("use target hm2bp-micro"), run.stderr)
    }

    func testJSONFailureListsDiagnosticsAndABrokenTargetFileNamesItsField() throws {
        let dir = try CommandFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let model = dir.appendingPathComponent("m.hm2bp").path, image = dir.appendingPathComponent("m.img").path
        try CommandFixtures.writeModel([784, 1600, 10], to: model)
        let run = try CommandRunner.run(["compile", model, "--target", "hm2bp-nano", "-o", image, "--calibration-samples", "0", "--json"])
        XCTAssertNotEqual(run.status, 0)
        XCTAssertEqual(run.status, 1, "a model that does not fit is a failed check")
        let report = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any]
        XCTAssertEqual(report?["passed"] as? Bool, false)
        let cores = (report?["diagnostics"] as? [[String: Any]])?.first { ($0["resource"] as? String)?.hasPrefix("cores") == true }
        XCTAssertEqual(cores?["need"] as? Int, 14, run.stdout)
        XCTAssertEqual(cores?["limit"] as? Int, 8)

        let targetPath = dir.appendingPathComponent("board.json").path
        let text = try String(contentsOfFile: URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Targets/hm2bp-nano.json").path, encoding: .utf8)
        try text.replacingOccurrences(of: "\"neurons\": 128,", with: "").write(toFile: targetPath, atomically: true, encoding: .utf8)
        let broken = try CommandRunner.run(["compile", model, "--target", targetPath, "-o", image, "--calibration-samples", "0"])
        XCTAssertNotEqual(broken.status, 0)
        XCTAssertTrue(broken.stderr.contains("board.json: field core.neurons: missing"), broken.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: image))
    }

    func testDamagedModelAndUnknownTargetAreNamed() throws {
        let dir = try CommandFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let model = dir.appendingPathComponent("m.hm2bp").path
        try CommandFixtures.writeModel([20, 5, 2], to: model)
        var bytes = try Data(contentsOf: URL(fileURLWithPath: model))
        bytes[bytes.count - 9] ^= 0xFF
        let damaged = dir.appendingPathComponent("damaged.hm2bp").path
        try bytes.write(to: URL(fileURLWithPath: damaged))
        let bad = try CommandRunner.run(["compile", damaged, "-o", dir.appendingPathComponent("x.img").path, "--calibration-samples", "0"])
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.stderr.contains("damaged.hm2bp"), bad.stderr)
        let unknown = try CommandRunner.run(["compile", model, "--target", "hm2bp-giga", "-o", dir.appendingPathComponent("x.img").path])
        XCTAssertNotEqual(unknown.status, 0)
        XCTAssertTrue(unknown.stderr.contains("unknown target 'hm2bp-giga'"), unknown.stderr)
    }

    /// Issue 9 items 4, 14 and 22: out-of-range weight widths are usage errors before any
    /// quantizing (9 and 64 trapped, 0 divided by zero, 1 named -nan); the model itself or
    /// another finished model is never the output; the JSON says where the image went.
    func testWeightBitsOutputsAndJSON() throws {
        let dir = try CommandFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let model = dir.appendingPathComponent("m.hm2bp").path, image = dir.appendingPathComponent("m.img").path
        try CommandFixtures.writeModel([50, 20, 10], to: model)
        let original = try Data(contentsOf: URL(fileURLWithPath: model))
        for bits in ["0", "1", "9", "64", "-8"] {
            let run = try CommandRunner.run(["compile", model, "-o", image, "--calibration-samples", "0", "--weight-bits", bits])
            XCTAssertEqual(run.status, 2, "\(bits): \(run.stderr)")
            XCTAssertTrue(run.stderr.contains("--weight-bits must be 2 ... 8"), run.stderr)
        }
        let onto = try CommandRunner.run(["compile", model, "-o", model, "--calibration-samples", "0"])
        XCTAssertEqual(onto.status, 2, onto.stderr)
        XCTAssertTrue(onto.stderr.contains("is an input of this command"), onto.stderr)
        let other = dir.appendingPathComponent("other.hm2bp").path
        try CommandFixtures.writeModel([50, 20, 10], to: other)
        let overModel = try CommandRunner.run(["compile", model, "-o", other, "--calibration-samples", "0"])
        XCTAssertEqual(overModel.status, 2, overModel.stderr)
        XCTAssertTrue(overModel.stderr.contains("is an existing model"), overModel.stderr)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: model)), original, "the model is untouched")

        let run = try CommandRunner.run(["compile", model, "-o", image, "--calibration-samples", "0", "--weight-bits", "4", "--json"])
        XCTAssertEqual(run.status, 0, run.stderr)
        let report = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as! [String: Any]
        XCTAssertEqual(report["passed"] as? Bool, true)
        XCTAssertEqual(report["output"] as? String, image)
        XCTAssertEqual(report["imageBytes"] as? Int, try Data(contentsOf: URL(fileURLWithPath: image)).count)
        XCTAssertNotNil(report["seconds"] as? Double)
        let provenance = report["provenance"] as? [String: Any]
        XCTAssertEqual(provenance?["dataset"] as? String, "mnist", "the image records the model's data set")
        XCTAssertEqual(provenance?["encoder"] as? String, "poisson")
    }

    /// Issue 9 items 5, 6 and 11: models at the edge of the format compile or fail with a
    /// diagnostic, never a trap or an "internal error"; beyond the format they are refused.
    func testModelsAtAndBeyondTheFormatsLimits() throws {
        let dir = try CommandFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        func write(threshold: Float, weight: Float, refractory: Int, timeSteps: Int, name: String) throws -> String {
            let path = dir.appendingPathComponent(name).path
            let layer = DenseLayer(inputCount: 20, outputCount: 10, threshold: threshold, weights: [Float](repeating: weight, count: 200))
            try ModelFile.write(Model(network: Network(constants: NeuronConstants(refractorySteps: refractory, timeSteps: timeSteps), layers: [layer]),
                                      provenance: Provenance(dataset: "mnist", seed: 1)), to: path)
            return path
        }
        let tiny = try write(threshold: ModelFile.minimumThreshold, weight: 0, refractory: 2, timeSteps: 50, name: "tiny.hm2bp")
        let compiled = try CommandRunner.run(["compile", tiny, "-o", dir.appendingPathComponent("tiny.img").path, "--calibration-samples", "0"])
        XCTAssertEqual(compiled.status, 0, compiled.stderr)
        let belowFormat = try write(threshold: 1e-40, weight: 0, refractory: 2, timeSteps: 50, name: "below.hm2bp")
        let refused = try CommandRunner.run(["compile", belowFormat, "-o", dir.appendingPathComponent("below.img").path, "--calibration-samples", "0"])
        XCTAssertEqual(refused.status, 3, refused.stderr)
        XCTAssertTrue(refused.stderr.contains("layers[0].threshold"), refused.stderr)
        let refractory = try write(threshold: 1, weight: 0.1, refractory: 1 << 20, timeSteps: 50, name: "refractory.hm2bp")
        let diagnosed = try CommandRunner.run(["compile", refractory, "--target", "hm2bp-nano", "-o", dir.appendingPathComponent("r.img").path,
                                               "--calibration-samples", "0"])
        XCTAssertEqual(diagnosed.status, 1, diagnosed.stderr)
        XCTAssertTrue(diagnosed.stderr.contains("refractory steps"), diagnosed.stderr)
        XCTAssertFalse(diagnosed.stderr.contains("internal error"), diagnosed.stderr)
    }
}
