import Kernels
import XCTest
@testable import NeuroImage

final class ImageCodecTests: XCTestCase {
    func testRoundTripPreservesEveryField() throws {
        let image = SampleImage.make()
        let bytes = ImageEncoder.encode(image)
        XCTAssertEqual(try ImageDecoder.decode(bytes), image)
        XCTAssertEqual(ImageEncoder.encode(try ImageDecoder.decode(bytes)), bytes, "encoding is deterministic")
    }

    func testWeightPackingRoundTripsEveryWidth() {
        var rng = SplitMix64(seed: 3)
        for bits in 2...8 {
            let half = 1 << (bits - 1)
            let weights = (0..<101).map { _ in Int8(Int(rng.next() % UInt64(2 * half)) - half) }
            let packed = WeightPacking.pack(weights, bits: bits)
            XCTAssertEqual(packed.count, (101 * bits + 7) / 8)
            XCTAssertEqual(WeightPacking.unpack(packed[...], count: 101, bits: bits), weights, "\(bits) bits")
        }
    }

    func testRoutingLookupUsesKeyMaskAndOffset() {
        let image = SampleImage.make()
        XCTAssertEqual(image.inputMap.destinations(of: 2), [Destination(core: 0, axon: 2), Destination(core: 1, axon: 2)])
        XCTAssertEqual(image.inputMap.destinations(of: 5), [Destination(core: 0, axon: 5), Destination(core: 1, axon: 5)])
        XCTAssertEqual(image.routes[1].destinations(of: 1), [Destination(core: 2, axon: 4)])
        XCTAssertEqual(image.routes[0].destinations(of: 3), [], "no entry matches")
    }

    func testDamageIsReportedBySection() {
        var bytes = ImageEncoder.encode(SampleImage.make())
        bytes[20] ^= 0x40
        XCTAssertThrowsError(try ImageDecoder.decode(bytes)) { error in
            XCTAssertTrue("\(error)".contains("SHA-256"), "\(error)")
        }
        var payloads = ImageEncoder.sectionPayloads(SampleImage.make())
        payloads[4][8] = 0x7F  // core 0 table: first entry's key low byte, now outside its mask
        XCTAssertThrowsError(try ImageDecoder.decode(ImageEncoder.assemble(sections: payloads))) { error in
            XCTAssertEqual((error as? ImageError)?.section, "ROUT", "\(error)")
        }
    }

    func testNewerVersionIsRefusedWithAClearMessage() {
        var bytes = ImageEncoder.encode(SampleImage.make())
        bytes[8] = UInt8(NeuroImage.formatVersion + 1)
        XCTAssertThrowsError(try ImageDecoder.decode(bytes)) { error in
            XCTAssertTrue("\(error)".contains("newer"), "\(error)")
        }
    }

    func testSemanticChecksRejectBrokenTiling() {
        var image = SampleImage.make()
        image.cores[1].firstNeuron = 2
        image.cores[1].neuronCount = 3
        image.cores[1].weights = Array(repeating: 0, count: 18)
        XCTAssertThrowsError(try ImageDecoder.decode(ImageEncoder.encode(image))) { error in
            XCTAssertEqual((error as? ImageError)?.section, "SYNS", "\(error)")
        }
        var lateralSplit = SampleImage.make()
        lateralSplit.layers[0].hasLateralInhibition = true
        XCTAssertThrowsError(try ImageDecoder.decode(ImageEncoder.encode(lateralSplit)))
    }

    /// Thousands of hostile inputs: every truncation, random byte mutations with and without
    /// resealed checksums. Each must decode to a valid image or throw; a trap fails the suite.
    func testMutationsAndTruncationsNeverTrap() {
        let image = SampleImage.make()
        let bytes = ImageEncoder.encode(image)
        var rng = SplitMix64(seed: 99)
        var outcomes = (valid: 0, rejected: 0)
        func attempt(_ candidate: [UInt8]) {
            if let decoded = try? ImageDecoder.decode(candidate) {
                outcomes.valid += 1
                XCTAssertEqual(try? ImageDecoder.decode(ImageEncoder.encode(decoded)), decoded, "a valid result re-encodes")
            } else {
                outcomes.rejected += 1
            }
        }
        for length in 0..<bytes.count { attempt(Array(bytes[0..<length])) }
        for _ in 0..<1000 {
            var mutated = bytes
            for _ in 0..<(1 + Int(rng.next() % 4)) { mutated[Int(rng.next() % UInt64(mutated.count))] = UInt8(truncatingIfNeeded: rng.next()) }
            attempt(mutated)
        }
        let payloads = ImageEncoder.sectionPayloads(image)
        for round in 0..<4000 {
            var resealed = payloads
            let section = Int(rng.next() % UInt64(resealed.count))
            guard !resealed[section].isEmpty else { continue }
            switch round % 4 {
            case 0, 1:
                for _ in 0..<(1 + Int(rng.next() % 3)) {
                    resealed[section][Int(rng.next() % UInt64(resealed[section].count))] = UInt8(truncatingIfNeeded: rng.next())
                }
            case 2:
                resealed[section] = Array(resealed[section].prefix(Int(rng.next() % UInt64(resealed[section].count))))
            default:
                // Large counts in a random 4-byte field: the decoder must not allocate for them.
                let at = Int(rng.next() % UInt64(max(1, resealed[section].count - 3)))
                for k in 0..<min(4, resealed[section].count - at) { resealed[section][at + k] = 0xFF }
            }
            attempt(ImageEncoder.assemble(sections: resealed))
        }
        XCTAssertGreaterThan(outcomes.rejected, 4000)
        XCTAssertGreaterThan(outcomes.valid, 0, "some resealed mutations (e.g. in weights) are still valid images")
    }
}

/// The decoder refuses an image whose drive could reach 2^62 (docs/fixed-point.md section 3), as
/// the board firmware does: 64-bit sums would no longer be exact.
final class DriveBoundTests: XCTestCase {
    /// One 1-neuron layer fed by 2^17 inputs at 8-bit weights and shift 24 (2^31 per event),
    /// through an input-map entry with `targets` copies of the same target.
    func image(targets: Int) -> NeuroImage {
        let inputs = 1 << 17
        let rule = NeuronRule(stateBits: 32, weightShift: 24, currentDecay: .shift(3), membraneDecay: .shift(6), refractorySteps: 0)
        let layer = ImageLayer(inputCount: inputs, neuronCount: 1, rule: rule, thresholdBits: 31, weightBits: 8, hasLateralInhibition: false,
                               tauS: 8, floatThreshold: 1, thresholds: [1 << 30], laterals: [0], weightSteps: [1])
        let core = ImageCore(layer: 0, firstNeuron: 0, neuronCount: 1, axonCount: inputs, weights: [Int8](repeating: 1, count: inputs))
        let inputMap = RoutingTable(spikeBudget: 0, entries: [
            RouteEntry(key: 0, mask: ~0, targets: Array(repeating: RouteTarget(core: 0, axonBase: 0), count: targets)),
        ])
        let target = TargetIdentity(name: "emulator", kind: .emulator, descriptionSHA256: Array(repeating: 0, count: 32),
                                    usbVendorId: 0, usbProductId: 0, protocolVersion: 0)
        return NeuroImage(inputCount: inputs, outputCount: 1, timeSteps: 4, target: target, layers: [layer], cores: [core],
                          routes: [RoutingTable(spikeBudget: 0, entries: [])], inputMap: inputMap,
                          outputMap: [OutputMapEntry(core: 0, firstNeuron: 0, count: 1, firstOutput: 0)],
                          metadata: ImageMetadata(modelSHA256: Array(repeating: 0, count: 32), architecture: "131072-1",
                                                  createdBy: "tests", reportJSON: "{}"))
    }

    func testAnImageWhoseDriveCouldReach2To62IsRefusedNamingTheCore() throws {
        // 2^17 sources x 2^14 deliveries each x 2^31 = 2^62 (refused); one delivery fewer and the
        // neuron's 2^31 lateral allowance stay below (accepted).
        XCTAssertNoThrow(try ImageDecoder.decode(ImageEncoder.encode(image(targets: (1 << 14) - 1))))
        XCTAssertThrowsError(try ImageDecoder.decode(ImageEncoder.encode(image(targets: 1 << 14)))) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("ROUT") && text.contains("core 0") && text.contains("2^62"), text)
        }
    }
}
