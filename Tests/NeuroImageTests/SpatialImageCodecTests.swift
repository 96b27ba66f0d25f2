import Kernels
import XCTest
@testable import NeuroImage

/// Version 2 images (docs/image-format.md): spatial layers round-trip, hostile bytes are refused
/// naming the section, and the rules on tiles and windows hold.
final class SpatialImageCodecTests: XCTestCase {
    /// 1x4x4 -> 2C3 (2x2x2, one core per channel, shared kernels) -> 2 (fully connected).
    static func make() -> NeuroImage {
        var rng = SplitMix64(seed: 11)
        func weights(_ count: Int) -> [Int8] { (0..<count).map { _ in Int8(Int(rng.next() % 255) - 127) } }
        let rule = NeuronRule(stateBits: 24, weightShift: 4, currentDecay: .shift(3), membraneDecay: .shift(6), refractorySteps: 2)
        let conv = ImageLayer(inputCount: 16, neuronCount: 8, rule: rule, thresholdBits: 23, weightBits: 8, hasLateralInhibition: false,
                              tauS: 8, floatThreshold: 5, thresholds: Array(repeating: 3000, count: 8), laterals: Array(repeating: 0, count: 8),
                              weightSteps: Array(repeating: 0.01, count: 8),
                              spatial: .convolution(input: MapSize(channels: 1, rows: 4, columns: 4), kernels: 2, kernelSize: 3))
        let dense = ImageLayer(inputCount: 8, neuronCount: 2, rule: rule, thresholdBits: 23, weightBits: 8, hasLateralInhibition: false,
                               tauS: 8, floatThreshold: 5, thresholds: [2000, 2000], laterals: [0, 0], weightSteps: [0.02, 0.02])
        let cores = [
            ImageCore(layer: 0, firstNeuron: 0, neuronCount: 4, axonCount: 16, weights: weights(9),
                      tile: OutputTile(channel0: 0, channelCount: 1, row0: 0, rowCount: 2, column0: 0, columnCount: 2), form: .sharedKernel),
            ImageCore(layer: 0, firstNeuron: 4, neuronCount: 4, axonCount: 16, weights: weights(9),
                      tile: OutputTile(channel0: 1, channelCount: 1, row0: 0, rowCount: 2, column0: 0, columnCount: 2), form: .sharedKernel),
            ImageCore(layer: 1, firstNeuron: 0, neuronCount: 2, axonCount: 8, weights: weights(16)),
        ]
        let routes = [
            RoutingTable(spikeBudget: 0, entries: [RouteEntry(key: 0, mask: ~3, targets: [RouteTarget(core: 2, axonBase: 0)])]),
            RoutingTable(spikeBudget: 0, entries: [RouteEntry(key: 0, mask: ~3, targets: [RouteTarget(core: 2, axonBase: 4)])]),
            RoutingTable(spikeBudget: 0, entries: []),
        ]
        let inputMap = RoutingTable(spikeBudget: 0, entries: [
            RouteEntry(key: 0, mask: ~15, targets: [RouteTarget(core: 0, axonBase: 0), RouteTarget(core: 1, axonBase: 0)]),
        ])
        return NeuroImage(inputCount: 16, outputCount: 2, timeSteps: 20,
                          target: TargetIdentity(name: "emulator", kind: .emulator, descriptionSHA256: Array(repeating: 1, count: 32)),
                          layers: [conv, dense], cores: cores, routes: routes, inputMap: inputMap,
                          outputMap: [OutputMapEntry(core: 2, firstNeuron: 0, count: 2, firstOutput: 0)],
                          metadata: ImageMetadata(modelSHA256: Array(repeating: 2, count: 32), architecture: "4x4-2C3-2",
                                                  createdBy: "tests", reportJSON: "{\"layers\":[]}"))
    }

    func testSpatialImagesAreVersionTwoAndRoundTrip() throws {
        let image = Self.make()
        let bytes = ImageEncoder.encode(image)
        XCTAssertEqual(Array(bytes[8..<12]), [2, 0, 0, 0])
        XCTAssertEqual(try ImageDecoder.decode(bytes), image)
        XCTAssertEqual(Array(ImageEncoder.encode(SampleImage.make())[8..<12]), [1, 0, 0, 0], "fully connected images stay version 1")
        XCTAssertEqual(image.modelIndexOfImageNeuron(layer: 0), Array(0..<8))
    }

    /// Form 1 means the kernel entry at (wy - y, wx - x) for every neuron whose field holds the axon.
    func testSharedKernelsExpandToTheirEffectiveSynapses() {
        let image = Self.make()
        let core = image.cores[1]
        let expanded = core.expandedWeights(layer: image.layers[0])
        XCTAssertEqual(expanded.count, 16 * 4)
        // Axon (row 1, column 2) to neuron (row 0, column 1): kernel entry (1, 1).
        XCTAssertEqual(expanded[(1 * 4 + 2) * 4 + 1], core.weights[1 * 3 + 1])
        // Axon (row 3, column 0) is outside neuron (row 0, column 1)'s field.
        XCTAssertEqual(expanded[(3 * 4 + 0) * 4 + 1], 0)
        XCTAssertEqual(expanded.filter { $0 != 0 }.count, core.weights.filter { $0 != 0 }.count * 4)
    }

    func testBrokenTilesAndWindowsAreRefusedNamingTheSection() {
        var overlapping = Self.make()
        overlapping.cores[1].tile?.channel0 = 0
        var window = Self.make()
        window.cores[0].axonCount = 15
        var geometry = Self.make()
        geometry.layers[0].spatial?.kernelSize = 2
        var lateral = Self.make()
        lateral.layers[0].hasLateralInhibition = true
        for (name, image) in [("overlap", overlapping), ("window", window), ("geometry", geometry), ("lateral", lateral)] {
            XCTAssertThrowsError(try ImageDecoder.decode(ImageEncoder.encode(image)), name) { error in
                XCTAssertTrue(["SYNS", "NEUR"].contains((error as? ImageError)?.section ?? ""), "\(name): \(error)")
            }
        }
    }

    func testRandomVersionTwoPayloadsDecodeOrFailNamingTheSection() {
        var rng = SplitMix64(seed: 404)
        let payloads = ImageEncoder.sectionPayloads(Self.make())
        for _ in 0..<600 {
            var mutated = payloads
            let section = 2 + Int(rng.next() % 2)  // NEUR and SYNS carry the version-2 fields
            for _ in 0..<(1 + Int(rng.next() % 3)) {
                let at = Int(rng.next() % UInt64(mutated[section].count))
                mutated[section][at] = UInt8(truncatingIfNeeded: rng.next())
            }
            do {
                _ = try ImageDecoder.decode(ImageEncoder.assemble(sections: mutated, version: 2))
            } catch let error as ImageError {
                XCTAssertFalse(error.section.isEmpty)
            } catch {
                XCTFail("not an ImageError: \(error)")
            }
        }
    }

    func testEveryTruncationOfAVersionTwoImageIsAnError() {
        let bytes = ImageEncoder.encode(Self.make())
        for length in 0..<bytes.count {
            XCTAssertThrowsError(try ImageDecoder.decode(Array(bytes[0..<length])), "\(length) bytes") { error in
                XCTAssertTrue(error is ImageError, "\(error)")
            }
        }
    }
}
