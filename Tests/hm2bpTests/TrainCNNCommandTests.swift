import Foundation
import XCTest

/// A spiking CNN through the command line: train, resume (the kernels' Adam state is in the
/// checkpoint), evaluate, and a clear refusal from the compiler, which lowers dense layers only.
final class TrainCNNCommandTests: XCTestCase {
    func testConvolutionalNetworkTrainsResumesEvaluatesAndIsRefusedByTheCompiler() throws {
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

        let compile = try CommandRunner.run(["compile", "cnn.hm2bp", "--target", "hm2bp-nano", "-o", "cnn.img", "--calibration-samples", "0"], in: dir)
        XCTAssertNotEqual(compile.status, 0)
        XCTAssertTrue(compile.stderr.contains("convolution and pooling layers"), compile.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/cnn.img"))

        let badMap = try CommandRunner.run(["train", "--arch", "28x28-4C5-P5-10"], in: dir)
        XCTAssertNotEqual(badMap.status, 0)
        XCTAssertTrue(badMap.stderr.contains("P5 (layer 2)"), badMap.stderr)
    }
}
