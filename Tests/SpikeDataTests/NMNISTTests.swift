import Foundation
import SpikeData
import SpikeModel
import XCTest

/// One real N-MNIST recording (Fixtures/sample_nmnist.bin). The pinned figures come from an
/// independent Python transcription of the reference MATLAB (Read_Ndataset.m, stabilize.m,
/// NMNIST_Converter.m plus the +1 load-time shift), not from this Swift code.
final class NMNISTTests: XCTestCase {
    let sample = fixture("sample_nmnist.bin")

    func testDecodesTheRealRecording() throws {
        let events = try NMNIST.readEvents(path: sample)
        XCTAssertEqual(events.count, 4325)
        XCTAssertEqual(events.first, ATISEvent(x: 7, y: 15, polarity: 1, timestamp: 654))
        XCTAssertEqual(events.last, ATISEvent(x: 21, y: 14, polarity: 1, timestamp: 311_175))
        XCTAssertEqual(events.filter { $0.polarity == 1 }.count, 2145)
        XCTAssertTrue(events.allSatisfy { $0.x < 34 && $0.y < 34 })
        XCTAssertTrue(zip(events, events.dropFirst()).allSatisfy { $0.timestamp <= $1.timestamp })
    }

    func testReferenceConversionWithStabilization() throws {
        let raster = try NMNIST.loadRaster(path: sample)
        XCTAssertEqual(raster.neuronCount, 2312)
        XCTAssertEqual(raster.timeSteps, 540)
        XCTAssertEqual(raster.filledSteps, 540)
        XCTAssertEqual(raster.totalSpikes, 4296)  // 4301 events survive stabilization, 5 collapse
        XCTAssertEqual(raster.neurons.filter { $0 >= 1156 }.count, 2118)
        let pairs = (0..<raster.timeSteps).flatMap { t in raster.firing(at: t).map { (t, Int($0)) } }
        XCTAssertEqual(pairs.prefix(5).map { [$0.0, $0.1] }, [[3, 1409], [6, 664], [7, 731], [8, 358], [8, 1573]])
        XCTAssertEqual(pairs.suffix(3).map { [$0.0, $0.1] }, [[515, 2188], [519, 2290], [520, 1884]])
        XCTAssertEqual(pairs.reduce(0) { $0 + $1.0 * 2312 + $1.1 }, 2_663_028_190)
        XCTAssertTrue(raster.firing(at: 0).isEmpty, "the +1 shift leaves step 0 silent")
        for t in 0..<raster.timeSteps {
            let firing = Array(raster.firing(at: t))
            XCTAssertEqual(firing, Array(Set(firing)).sorted(), "step \(t) must be ascending without repeats")
        }
    }

    func testWithoutStabilizationAndWithShortWindow() throws {
        let events = try NMNIST.readEvents(path: sample)
        XCTAssertEqual(NMNIST.raster(events, stabilize: false).totalSpikes, 4321)
        let short = NMNIST.raster(events, timeSteps: 100)
        XCTAssertEqual(short.totalSpikes, 878)
        let pairsSum = (0..<100).reduce(0) { sum, t in short.firing(at: t).reduce(sum) { $0 + t * 2312 + Int($1) } }
        XCTAssertEqual(pairsSum, 142_821_779)
    }

    func testStabilizationFollowsTheSaccades() {
        // At 105 ms the first saccade has moved the image by (3.5, 7): pixel (11, 11) maps to (7.5, 4) -> (8, 4).
        XCTAssertTrue(NMNIST.stabilizedPixel(ATISEvent(x: 10, y: 10, polarity: 0, timestamp: 105_000))! == (8, 4))
        // Halfway through the second saccade: x - 3.5 - 1.75 = 5.75 -> 6, y - 7 + 3.5 -> 7.5 -> 8 (half away from zero).
        XCTAssertTrue(NMNIST.stabilizedPixel(ATISEvent(x: 10, y: 10, polarity: 0, timestamp: 157_500))! == (6, 8))
        // The third saccade is horizontal: at 315 ms x is back, y untouched.
        XCTAssertTrue(NMNIST.stabilizedPixel(ATISEvent(x: 10, y: 10, polarity: 0, timestamp: 315_000))! == (11, 11))
        XCTAssertNil(NMNIST.stabilizedPixel(ATISEvent(x: 0, y: 0, polarity: 0, timestamp: 105_000)))
        XCTAssertEqual(NMNIST.channel(x: 1, y: 1, polarity: 0), 0)
        XCTAssertEqual(NMNIST.channel(x: 34, y: 34, polarity: 1), 2311)
    }

    func testTruncatedEventFileNamesTheFile() throws {
        let path = try temporaryDirectory(self) + "/cut.bin"
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: sample)))
        try writeFile(path, Array(bytes.dropLast(2)))
        assertThrowsNaming(path, "not a whole number of 5-byte ATIS events") { _ = try NMNIST.readEvents(path: path) }
    }
}
