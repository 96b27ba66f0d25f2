import Foundation
import XCTest

/// A spiking CNN through the command line: train, resume (the kernels' Adam state is in the
/// checkpoint), evaluate, a refusal from the nano board that has too few cores, then compile,
/// emulate and verify on the Loihi-class board.
final class TrainCNNCommandTests: XCTestCase {
    func testConvolutionalNetworkTrainsResumesEvaluatesCompilesAndVerifies() throws {
        let dir = try CommandRunner.temporaryDirectory(self)
        let args = ["train", "--arch", "28x28-4C5-P2-6C5-P2-10", "--train-limit", "60", "--test-limit", "30", "--time-steps", "80", "-o", "cnn.hm2bp"]
        let first = try CommandRunner.run(args + ["--epochs", "1"], in: dir)
        XCTAssertEqual(first.status, 0, first.stderr)
        XCTAssertTrue(first.stdout.contains("training 28x28-4C5-P2-6C5-P2-10"), first.stdout)
        let resumed = try CommandRunner.run(args + ["--epochs", "2", "--resume"], in: dir)
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        XCTAssertTrue(resumed.stdout.contains("epoch 2/2"), resumed.stdout)

        let model = try Data(contentsOf: URL(fileURLWithPath: dir + "/cnn.hm2bp"))
        XCTAssertEqual(model[8], 2, "a CNN is written as model format version 2")
        let eval = try CommandRunner.run(["eval", "cnn.hm2bp", "--limit", "20", "--json"], in: dir)
        XCTAssertEqual(eval.status, 0, eval.stderr)
        let report = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(eval.stdout.utf8)) as? [String: Any])
        XCTAssertEqual((report["meanSpikesPerLayer"] as? [Double])?.count, 5, "conv, pool, conv, pool, output")

        let refused = try CommandRunner.run(["compile", "cnn.hm2bp", "--target", "hm2bp-nano", "-o", "cnn.img", "--calibration-samples", "0"], in: dir)
        XCTAssertEqual(refused.status, 1, refused.stderr)
        XCTAssertTrue(refused.stderr.contains("cores (layer 0:") && refused.stderr.contains("use target hm2bp-large"), refused.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/cnn.img"))

        let compile = try CommandRunner.run(["compile", "cnn.hm2bp", "--target", "hm2bp-large", "-o", "cnn.img", "--calibration-samples", "4", "--json"], in: dir)
        XCTAssertEqual(compile.status, 0, compile.stderr)
        let summary = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(compile.stdout.utf8)) as? [String: Any])
        XCTAssertGreaterThan((summary["cores"] as? [Any])?.count ?? 0, 5, "conv1's 2304 neurons need several 1024-neuron tiles")
        let cores = try XCTUnwrap(summary["cores"] as? [[String: Any]])
        XCTAssertEqual(cores.first?["synapseForm"] as? String, "shared", "conv1's tiles hold the kernels once on hm2bp-large")
        XCTAssertNotNil(cores.first?["tile"] as? String)
        XCTAssertNil(cores.last?["tile"], "the output layer is fully connected")
        let image = try Data(contentsOf: URL(fileURLWithPath: dir + "/cnn.img"))
        XCTAssertEqual(image[8], 2, "a CNN compiles to image format version 2")
        let emulate = try CommandRunner.run(["emulate", "cnn.img", "--limit", "10"], in: dir)
        XCTAssertEqual(emulate.status, 0, emulate.stderr)
        let verify = try CommandRunner.run(["verify", "cnn.hm2bp", "cnn.img", "--limit", "20", "--min-agreement", "80"], in: dir)
        XCTAssertEqual(verify.status, 0, verify.stdout + verify.stderr)
        XCTAssertTrue(verify.stdout.contains("layer 3:"), verify.stdout)

        let badMap = try CommandRunner.run(["train", "--arch", "28x28-4C5-P5-10"], in: dir)
        XCTAssertNotEqual(badMap.status, 0)
        XCTAssertTrue(badMap.stderr.contains("P5 (layer 2)"), badMap.stderr)
    }
}
