import Emulator
import Foundation
import NeuroImage
import SpikeModel
import XCTest
@testable import Verify

final class OutputFileTests: XCTestCase {
    func testSpikeFileRoundTripsAndRejectsDamage() throws {
        let raster = VerifyFixtures.dataset(count: 1).input(0)
        let bytes = SpikeFile.encode(raster)
        XCTAssertEqual(try SpikeFile.decode(bytes, name: "x.spk"), raster)
        var damaged = bytes
        damaged[30] ^= 1
        XCTAssertThrowsError(try SpikeFile.decode(damaged, name: "x.spk")) { XCTAssertTrue("\($0)".contains("x.spk"), "\($0)") }
        for cut in [0, 10, bytes.count / 2, bytes.count - 1] {
            XCTAssertThrowsError(try SpikeFile.decode(Array(bytes.prefix(cut)), name: "x.spk"))
        }
    }

    func testGoldenVectorsHoldEveryCoresSpikes() throws {
        let (image, bytes) = try VerifyFixtures.compile(VerifyFixtures.model(), target: "hm2bp-nano")
        let emulator = Emulator(image: image)
        let data = VerifyFixtures.dataset(count: 3)
        let directory = try VerifyFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        XCTAssertEqual(try GoldenWriter.write(imageBytes: bytes, emulator: emulator, data: data, count: 3, to: directory), 3)
        let manifest = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: directory + "/golden.json"))) as! [String: Any]
        XCTAssertEqual(manifest["imageSHA256"] as? String, Digest.sha256(bytes).map { String(format: "%02x", $0) }.joined())
        let samples = manifest["samples"] as! [[String: Any]]
        for (i, sample) in samples.enumerated() {
            let expected = try emulator.run(data.input(i), recording: .spikes)
            let input = try SpikeFile.decode(Array(Data(contentsOf: URL(fileURLWithPath: directory + "/" + (sample["input"] as! String)))), name: "input")
            XCTAssertEqual(input, data.input(i))
            let cores = sample["cores"] as! [String]
            XCTAssertEqual(cores.count, image.cores.count)
            for (c, path) in cores.enumerated() {
                let raster = try SpikeFile.decode(Array(Data(contentsOf: URL(fileURLWithPath: directory + "/" + path))), name: path)
                XCTAssertEqual(raster, expected.coreSpikes?[c])
            }
        }
    }

    func testTraceFilesHoldTheRecordedStates() throws {
        let (image, _) = try VerifyFixtures.compile(VerifyFixtures.model())
        let emulator = Emulator(image: image)
        let data = VerifyFixtures.dataset(count: 2)
        let directory = try VerifyFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let pictures = try TraceWriter.write(emulator, data: data, count: 2, to: directory)
        XCTAssertEqual(pictures.count, 2)
        let recorded = try emulator.run(data.input(1), recording: [.spikes, .states])
        let membrane = try Data(contentsOf: URL(fileURLWithPath: directory + "/sample-00001/layer-0-membrane.i64"))
        let values = membrane.withUnsafeBytes { raw in (0..<(membrane.count / 8)).map { Int64(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 8, as: Int64.self)) } }
        XCTAssertEqual(values, recorded.layerStates?[0].membrane)
        let csv = try String(contentsOfFile: directory + "/sample-00001/layer-0-spikes.csv", encoding: .utf8)
        XCTAssertEqual(csv.split(separator: "\n").count - 1, recorded.layerSpikes?[0].totalSpikes)
        let svg = try String(contentsOfFile: pictures[1], encoding: .utf8)
        XCTAssertTrue(svg.hasPrefix("<svg") && svg.contains("<path d=\"M"), String(svg.prefix(200)))
        XCTAssertTrue(FileManager.default.fileExists(atPath: directory + "/trace.json"))
    }

    /// Issue 9 item 23: the picture names the populations hidden/output, ticks the time axis,
    /// names the output rows by class with the label and prediction marked, and plots the
    /// output membrane (relative to the thresholds, which the traces hold).
    func testThePictureHasTicksClassRowsAndTheOutputMembrane() throws {
        let (image, _) = try VerifyFixtures.compile(VerifyFixtures.model())
        let emulator = Emulator(image: image)
        let data = VerifyFixtures.dataset(count: 1)
        let directory = try VerifyFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let svg = try String(contentsOfFile: try TraceWriter.write(emulator, data: data, count: 1, to: directory)[0], encoding: .utf8)
        let recorded = try emulator.run(data.input(0), recording: [.spikes, .states])
        XCTAssertTrue(svg.contains(">output<") && svg.contains(">output membrane<"), svg)
        XCTAssertFalse(svg.contains("layer 0"), "populations are named, not numbered")
        if image.layers.count > 1 { XCTAssertTrue(svg.contains(">hidden 1<")) }
        let outputs = image.layers.last!.neuronCount
        for k in 0..<outputs { XCTAssertTrue(svg.contains(">class \(k)<"), "class \(k)") }
        XCTAssertTrue(svg.contains("prediction \(recorded.prediction)"))
        XCTAssertTrue(svg.contains("label \(data.labels[0])"))
        XCTAssertEqual(RasterPicture.niceInterval(image.timeSteps) * 5 >= image.timeSteps, true)
        XCTAssertTrue(svg.contains(">\(RasterPicture.niceInterval(image.timeSteps))</text>"), "a tick at the first interval")
        XCTAssertTrue(svg.contains("stroke-dasharray"), "the threshold line")
        XCTAssertEqual(svg.components(separatedBy: "fill=\"none\" stroke=\"#").count - 1, min(outputs, 10), "one membrane line per output")
    }

    func testTickIntervalsAreRound() {
        XCTAssertEqual([1, 5, 10, 60, 400, 1000, 4096].map(RasterPicture.niceInterval), [1, 1, 2, 20, 100, 200, 1000])
    }
}
