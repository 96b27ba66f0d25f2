import Foundation
import NeuroImage
import XCTest

final class InspectCommandTests: XCTestCase {
    func testInspectPrintsWhatCompilePrinted() throws {
        let dir = try CommandFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let model = dir.appendingPathComponent("m.hm2bp").path, image = dir.appendingPathComponent("m.img").path
        try CommandFixtures.writeModel([100, 40, 10], to: model)
        let compile = try CommandRunner.run(["compile", model, "--target", "hm2bp-micro", "-o", image, "--calibration-samples", "0", "--json"])
        XCTAssertEqual(compile.status, 0, compile.stderr)
        let inspect = try CommandRunner.run(["inspect", image, "--json"])
        XCTAssertEqual(inspect.status, 0, inspect.stderr)
        // The report is the compile report (compile adds what only it knows: paths, time, verdict).
        let inspected = try JSONSerialization.jsonObject(with: Data(inspect.stdout.utf8)) as! [String: Any]
        let compiled = try JSONSerialization.jsonObject(with: Data(compile.stdout.utf8)) as! [String: Any]
        XCTAssertEqual(inspected["image"] as? String, image)
        for key in ["architecture", "cores", "quantization", "imageSHA256", "modelSHA256", "target", "timeSteps", "provenance"] {
            XCTAssertNotNil(inspected[key], key)
            XCTAssertEqual(inspected[key] as? NSObject, compiled[key] as? NSObject, key)
        }
        let text = try CommandRunner.run(["inspect", image])
        XCTAssertTrue(text.stdout.contains("image for target hm2bp-micro (board): 100-40-10"), text.stdout)
    }

    func testDamagedImageIsRejectedNamingTheProblem() throws {
        let dir = try CommandFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let model = dir.appendingPathComponent("m.hm2bp").path, image = dir.appendingPathComponent("m.img").path
        try CommandFixtures.writeModel([20, 5, 2], to: model)
        XCTAssertEqual(try CommandRunner.run(["compile", model, "-o", image, "--calibration-samples", "0"]).status, 0)
        var bytes = try Data(contentsOf: URL(fileURLWithPath: image))
        bytes = bytes.prefix(bytes.count - 40)
        try bytes.write(to: URL(fileURLWithPath: image))
        let run = try CommandRunner.run(["inspect", image])
        XCTAssertNotEqual(run.status, 0)
        XCTAssertTrue(run.stderr.contains("m.img: image file:"), run.stderr)
    }

    /// Issue 9 item 17: an image whose report is not the compiler's JSON is refused by every
    /// command alike (inspect failed with a raw DecodingError where emulate accepted it), naming
    /// the field.
    func testAForeignReportIsRefusedAlikeNamingTheField() throws {
        let dir = try CommandFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let model = dir.appendingPathComponent("m.hm2bp").path, image = dir.appendingPathComponent("m.img").path
        try CommandFixtures.writeModel([20, 5, 2], to: model)
        XCTAssertEqual(try CommandRunner.run(["compile", model, "-o", image, "--calibration-samples", "0"]).status, 0)
        var decoded = try ImageDecoder.decode(Array(try Data(contentsOf: URL(fileURLWithPath: image))))
        decoded.metadata.reportJSON = #"{"compiler": "other", "quantization": []}"#
        let foreign = dir.appendingPathComponent("foreign.img").path
        try Data(ImageEncoder.encode(decoded)).write(to: URL(fileURLWithPath: foreign))
        for command in [["inspect", foreign], ["emulate", foreign, "--limit", "1"], ["golden", foreign, "-o", dir.appendingPathComponent("g").path]] {
            let run = try CommandRunner.run(command)
            XCTAssertEqual(run.status, 3, "\(command): \(run.stderr)")
            XCTAssertTrue(run.stderr.contains("foreign.img: META report field limits: missing"), run.stderr)
        }
    }
}
