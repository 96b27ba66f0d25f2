import Foundation
import XCTest

/// The N-MNIST pipeline through the command line on the one real recording committed as a
/// fixture, laid out like the official archives by scripts/nmnist-sample-folder.sh (every file
/// is that recording under every digit). Identical inputs get one prediction, so every model
/// scores exactly 1/10 on the ten test files: the checks are about the pipeline (the data set
/// recorded and defaulted to, the converted recording as input, the seed not changing it), not
/// about what it learns.
final class NMNISTCommandTests: XCTestCase {
    /// A data folder with 2 training and 1 test recording per digit, in a fresh folder.
    func sampleFolder() throws -> String {
        let dir = try CommandRunner.temporaryDirectory(self)
        let script = CommandRunner.packageRoot.appendingPathComponent("scripts/nmnist-sample-folder.sh").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [script, dir + "/nmnist", "2", "1"]
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0, "scripts/nmnist-sample-folder.sh failed")
        return dir
    }

    func json(_ result: CommandResult, file: StaticString = #filePath, line: UInt = #line) throws -> [String: Any] {
        XCTAssertEqual(result.status, 0, result.stderr, file: file, line: line)
        return try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any], result.stdout, file: file, line: line)
    }

    /// Spike totals per `.spk` file (docs/golden-format.md): header, then per step a count and the indices.
    func spikeCount(_ path: String) throws -> (timeSteps: Int, spikes: Int) {
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        func u32(_ at: Int) -> Int { (0..<4).reduce(0) { $0 | Int(bytes[at + $1]) << (8 * $1) } }
        XCTAssertEqual(String(decoding: bytes[0..<8], as: UTF8.self), "HM2BPSPK")
        let steps = u32(16)
        var offset = 20, spikes = 0
        for _ in 0..<steps {
            let count = u32(offset)
            spikes += count
            offset += 4 + 4 * count
        }
        XCTAssertEqual(offset + 4, bytes.count, "a CRC32 closes the file")
        return (steps, spikes)
    }

    func testTrainCompileEmulateVerifyAndGoldenDefaultToNMNIST() throws {
        let dir = try sampleFolder()
        let train = try json(CommandRunner.run(["train", "--dataset", "nmnist", "--data", "nmnist", "--arch", "2312-40-10", "--epochs", "2",
                                                "--set", "learningRate=0.01", "-o", "nm.hm2bp", "--json"], in: dir))
        XCTAssertEqual(train["dataset"] as? String, "nmnist")
        XCTAssertEqual(train["timeSteps"] as? Int, 540, "N-MNIST's 540 bins of 600 us by default")
        XCTAssertEqual(train["architecture"] as? String, "2312-40-10")
        XCTAssertEqual(train["trainImages"] as? Int, 19, "20 recordings less one held out for validation")
        XCTAssertEqual(train["testImages"] as? Int, 10)
        let epochs = try XCTUnwrap(train["epochs"] as? [[String: Any]])
        XCTAssertEqual(epochs.map { $0["testAccuracy"] as? Double }, [0.1, 0.1], "ten identical recordings, one per label: one prediction, one hit")

        // No --dataset from here on: the model and the image record nmnist; --data is given again.
        let eval = try json(CommandRunner.run(["eval", "nm.hm2bp", "--data", "nmnist", "--json"], in: dir))
        XCTAssertEqual(eval["dataset"] as? String, "nmnist")
        XCTAssertEqual(eval["samples"] as? Int, 10)
        let confusion = try XCTUnwrap(eval["confusion"] as? [[Int]])
        let predicted = (0..<10).filter { column in confusion.allSatisfy { $0[column] == 1 } }
        XCTAssertEqual(predicted.count, 1, "every test recording gets the same prediction: \(confusion)")

        let compile = try json(CommandRunner.run(["compile", "nm.hm2bp", "--target", "emulator", "-o", "nm.img", "--data", "nmnist", "--json"], in: dir))
        XCTAssertEqual(compile["passed"] as? Bool, true)
        XCTAssertEqual(compile["dataset"] as? String, "nmnist", "calibrated on N-MNIST training recordings")
        let inspect = try json(CommandRunner.run(["inspect", "nm.img", "--json"], in: dir))
        let provenance = try XCTUnwrap(inspect["provenance"] as? [String: Any])
        XCTAssertEqual(provenance["dataset"] as? String, "nmnist")
        XCTAssertEqual(provenance["encoder"] as? String, "nmnist-stabilized-600us")

        let emulate = try json(CommandRunner.run(["emulate", "nm.img", "--data", "nmnist", "--json"], in: dir))
        XCTAssertEqual(emulate["dataset"] as? String, "nmnist")
        XCTAssertEqual(emulate["samples"] as? Int, 10)
        XCTAssertEqual(emulate["accuracy"] as? Double, 0.1)
        let hidden = try XCTUnwrap((emulate["meanSpikesPerLayer"] as? [Double])?.first)
        XCTAssertGreaterThan(hidden, 0, "the recording drives the hidden layer")
        // The converted recording does not depend on the seed (a Poisson encoding would).
        let otherSeedRun = try CommandRunner.run(["emulate", "nm.img", "--data", "nmnist", "--seed", "77", "--json"], in: dir)
        XCTAssertTrue(otherSeedRun.stderr.contains("--seed 77 does not change nmnist inputs"), otherSeedRun.stderr)
        let otherSeed = try json(otherSeedRun)
        XCTAssertEqual(otherSeed["seed"] as? Int, 77)
        XCTAssertEqual(otherSeed["synapticEvents"] as? Int, emulate["synapticEvents"] as? Int)
        XCTAssertEqual(otherSeed["meanSpikesPerLayer"] as? [Double], emulate["meanSpikesPerLayer"] as? [Double])

        let verify = try json(CommandRunner.run(["verify", "nm.hm2bp", "nm.img", "--data", "nmnist", "--min-agreement", "100",
                                                 "--max-accuracy-drop", "0", "--json"], in: dir))
        XCTAssertEqual(verify["passed"] as? Bool, true, "\(verify["violations"] ?? "")")
        XCTAssertEqual(verify["dataset"] as? String, "nmnist")
        XCTAssertEqual(verify["floatAccuracy"] as? Double, 0.1)
        XCTAssertEqual(verify["fixedAccuracy"] as? Double, 0.1)

        let golden = try json(CommandRunner.run(["golden", "nm.img", "-o", "golden", "--data", "nmnist", "--limit", "2", "--json"], in: dir))
        XCTAssertEqual(golden["dataset"] as? String, "nmnist")
        XCTAssertEqual(golden["samples"] as? Int, 2)
        let input = try spikeCount(dir + "/golden/sample-00001/input.spk")
        XCTAssertEqual(input.timeSteps, 540)
        XCTAssertEqual(input.spikes, 4296, "the stabilized, binned recording (docs/data.md), not a Poisson train")
    }

    func testNMNISTFlagsAndFolderErrors() throws {
        let dir = try sampleFolder()
        let train = try CommandRunner.run(["train", "--dataset", "nmnist", "--data", "nmnist", "--arch", "2312-5-10", "--train-limit", "10",
                                           "--test-limit", "2", "-o", "nm.hm2bp"], in: dir)
        XCTAssertEqual(train.status, 0, train.stderr)
        XCTAssertTrue(train.stdout.contains("T=540"), train.stdout)
        // --resume takes nmnist from the checkpoint, and the folder again from --data.
        let resumeWithout = try CommandRunner.run(["train", "--resume", "--epochs", "2", "-o", "nm.hm2bp"], in: dir)
        XCTAssertEqual(resumeWithout.status, 2)
        XCTAssertTrue(resumeWithout.stderr.contains("give --data DIR"), resumeWithout.stderr)
        let resumed = try CommandRunner.run(["train", "--resume", "--epochs", "2", "-o", "nm.hm2bp", "--data", "nmnist"], in: dir)
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        XCTAssertTrue(resumed.stdout.contains("epoch 2/2"), resumed.stdout)

        let noFolder = try CommandRunner.run(["eval", "nm.hm2bp"], in: dir)
        XCTAssertEqual(noFolder.status, 2)
        XCTAssertTrue(noFolder.stderr.contains("hm2bp: error: --data: nmnist is read from the folder"), noFolder.stderr)

        let mnistFolder = try CommandRunner.run(["train", "--dataset", "mnist", "--data", "nmnist", "-o", "m.hm2bp"], in: dir)
        XCTAssertEqual(mnistFolder.status, 2)
        XCTAssertTrue(mnistFolder.stderr.contains("--data nmnist: only nmnist is read from a folder"), mnistFolder.stderr)

        let both = try CommandRunner.run(["eval", "nm.hm2bp", "--data", "nmnist", "--data-dir", "elsewhere"], in: dir)
        XCTAssertEqual(both.status, 2)
        XCTAssertTrue(both.stderr.contains("--data-dir"), both.stderr)

        let augment = try CommandRunner.run(["train", "--dataset", "nmnist", "--data", "nmnist", "--augment", "-o", "a.hm2bp"], in: dir)
        XCTAssertEqual(augment.status, 2)
        XCTAssertTrue(augment.stderr.contains("--augment"), augment.stderr)

        let fetch = try CommandRunner.run(["data", "fetch", "nmnist"], in: dir)
        XCTAssertEqual(fetch.status, 4)
        XCTAssertTrue(fetch.stderr.contains("--data DIR"), fetch.stderr)

        let missing = try CommandRunner.run(["eval", "nm.hm2bp", "--data", "absent"], in: dir)
        XCTAssertEqual(missing.status, 3)
        XCTAssertTrue(missing.stderr.contains("absent: does not exist"), missing.stderr)

        try FileManager.default.removeItem(atPath: dir + "/nmnist/Test/4")
        let noDigit = try CommandRunner.run(["eval", "nm.hm2bp", "--data", "nmnist"], in: dir)
        XCTAssertEqual(noDigit.status, 3)
        XCTAssertTrue(noDigit.stderr.contains("nmnist/Test/4: is missing"), noDigit.stderr)

        let cut = dir + "/nmnist/Train/3/00002.bin"
        let bytes = try Data(contentsOf: URL(fileURLWithPath: cut))
        try bytes.dropLast(2).write(to: URL(fileURLWithPath: cut))
        let truncated = try CommandRunner.run(["compile", "nm.hm2bp", "--target", "emulator", "-o", "nm.img", "--data", "nmnist"], in: dir)
        XCTAssertEqual(truncated.status, 3)
        XCTAssertTrue(truncated.stderr.contains("Train/3/00002.bin: 21623 bytes is not a whole number of 5-byte ATIS events"), truncated.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/nm.img"), "nothing is written on bad input")
    }
}
