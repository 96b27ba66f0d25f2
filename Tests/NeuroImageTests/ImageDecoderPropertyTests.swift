import Foundation
import Kernels
import XCTest
@testable import NeuroImage

/// Property: whatever the bytes (framing intact, so every check past the CRCs is reached), the
/// decoder returns a valid image or an `ImageError` naming a section; never a trap, and never an
/// image whose T exceeds the documented bound (docs/image-format.md).
final class ImageDecoderPropertyTests: XCTestCase {
    /// Values that break integer fields: zero, negatives as u32, the bounds and just past them.
    static let hostileCounts: [Int] = [0, 1, 2, 255, 256, 4096, 4097, 65_535, 65_536, 65_537, 1 << 20, (1 << 20) + 1, (1 << 24) + 1,
                                       (1 << 30) + 1, Int(Int32.max), Int(UInt32.max), -1]

    func testRandomPayloadBytesWithValidChecksumsDecodeOrFailNamingTheSection() {
        var rng = SplitMix64(seed: 2024)
        let payloads = ImageEncoder.sectionPayloads(SampleImage.make())
        for _ in 0..<600 {
            var mutated = payloads
            let section = Int(rng.next() % UInt64(mutated.count))
            guard !mutated[section].isEmpty else { continue }
            for _ in 0..<(1 + Int(rng.next() % 4)) {
                let at = Int(rng.next() % UInt64(mutated[section].count))
                mutated[section][at] = UInt8(truncatingIfNeeded: rng.next())
            }
            check(ImageEncoder.assemble(sections: mutated))
        }
    }

    func testHostileHeaderAndLayerCountsDecodeOrFailNamingTheSection() {
        var rng = SplitMix64(seed: 99)
        for _ in 0..<400 {
            var image = SampleImage.make()
            let value = Self.hostileCounts[Int(rng.next() % UInt64(Self.hostileCounts.count))]
            // Only fields the encoder writes as plain numbers (counts that size arrays would make
            // the encoder itself index out of range; the random-bytes test covers those).
            switch rng.next() % 9 {
            case 0: image.timeSteps = value
            case 1: image.inputCount = value
            case 2: image.outputCount = value
            case 3: image.layers[Int(rng.next() % 2)].inputCount = value
            case 4: image.layers[0].thresholds[Int(rng.next() % 5)] = Int64(value)
            case 5: image.cores[Int(rng.next() % 3)].firstNeuron = value
            case 6: image.outputMap[0].count = value
            case 7: image.outputMap[0].core = value
            default: image.inputMap.entries[0].targets[0].axonBase = value
            }
            check(ImageEncoder.encode(image))
        }
    }

    /// Issue 9 item 5: T = 2^30 + 1 passed `inspect` and made emulate allocate 63 GB.
    func testATimeWindowBeyondTheFormatsBoundIsRefused() {
        var image = SampleImage.make()
        image.timeSteps = (1 << 30) + 1
        XCTAssertThrowsError(try ImageDecoder.decode(ImageEncoder.encode(image))) { error in
            XCTAssertEqual((error as? ImageError)?.section, "HEAD")
            XCTAssertTrue("\(error)".contains("timeSteps"), "\(error)")
        }
        image.timeSteps = ImageDecoder.maximumTimeSteps
        XCTAssertNoThrow(try ImageDecoder.decode(ImageEncoder.encode(image)))
    }

    /// Issue 9 item 19: a model file given as an image says what it is.
    func testAModelFileIsNamedAsOne() {
        var bytes = Array("HM2BPMDL".utf8) + [UInt8](repeating: 0, count: 64)
        bytes[8] = 1
        XCTAssertThrowsError(try ImageDecoder.decode(bytes)) { error in
            XCTAssertTrue("\(error)".contains("this is an hm2bp model file"), "\(error)")
        }
    }

    private func check(_ bytes: [UInt8], file: StaticString = #filePath, line: UInt = #line) {
        do {
            let image = try ImageDecoder.decode(bytes)
            XCTAssertLessThanOrEqual(image.timeSteps, ImageDecoder.maximumTimeSteps, file: file, line: line)
            XCTAssertLessThanOrEqual(image.timeSteps * image.layers.reduce(image.inputCount) { $0 + $1.neuronCount },
                                     ImageDecoder.maximumNeuronSteps, file: file, line: line)
        } catch let error as ImageError {
            XCTAssertFalse(error.section.isEmpty, file: file, line: line)
        } catch {
            XCTFail("not an ImageError: \(error)", file: file, line: line)
        }
    }
}
