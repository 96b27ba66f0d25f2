import Kernels
import Foundation
import NeuroImage
import SpikeModel
import XCTest
@testable import Emulator

final class RobustnessTests: XCTestCase {
    static func randomImage(seed: UInt64) -> (NeuroImage, [SpikeRaster]) {
        var random = SplitMix64(seed: seed)
        let rule = NeuronRule(stateBits: 24, weightShift: 6, currentDecay: .shift(3), membraneDecay: .shift(6), refractorySteps: 2)
        func layer(_ fanIn: Int, _ width: Int) -> FixedPointLayer {
            FixedPointLayer(rule: rule, axonCount: fanIn, neuronCount: width,
                            weights: (0..<(fanIn * width)).map { _ in Int8(truncatingIfNeeded: Int(random.next() % 200) - 90) },
                            thresholds: (0..<width).map { _ in Int64(random.next() % 40_000) + 5_000 }, laterals: Array(repeating: 0, count: width))
        }
        let image = TestImages.make(inputCount: 64, layers: [TestLayer(reference: layer(64, 200), split: [100, 100]),
                                                             TestLayer(reference: layer(200, 10))], timeSteps: 80)
        let inputs = (0..<24).map { _ in
            TestImages.raster((0..<80).map { _ in (0..<Int32(64)).filter { _ in random.next() % 6 == 0 } }, neurons: 64)
        }
        return (image, inputs)
    }

    /// Same image and inputs: identical results run after run, in parallel or one by one,
    /// whatever worker a sample lands on.
    func testRunsAreDeterministic() throws {
        let (image, inputs) = Self.randomImage(seed: 5)
        let emulator = Emulator(image: image)
        let parallel = try emulator.run(count: inputs.count, recording: .spikes) { inputs[$0] }
        let again = try emulator.run(count: inputs.count, recording: .spikes) { inputs[$0] }
        let workspace = emulator.makeWorkspace()
        let serial = try inputs.map { try emulator.run($0, recording: .spikes, workspace: workspace) }
        XCTAssertEqual(parallel, again)
        XCTAssertEqual(parallel, serial)
        XCTAssertEqual(try Emulator(image: image).run(inputs[3], recording: .spikes), serial[3])
        XCTAssertGreaterThan(Set(parallel.map(\.outputCounts)).count, 1, "the test network should not be trivially silent")
    }

    func testMalformedImageFilesAreErrorsNamingTheProblem() throws {
        let (image, _) = Self.randomImage(seed: 6)
        let bytes = ImageEncoder.encode(image)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("emulator-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let good = directory.appendingPathComponent("good.img").path
        try Data(bytes).write(to: URL(fileURLWithPath: good))
        XCTAssertEqual(try Emulator(path: good).image, image)

        let truncated = directory.appendingPathComponent("truncated.img").path
        try Data(bytes.prefix(bytes.count / 2)).write(to: URL(fileURLWithPath: truncated))
        XCTAssertThrowsError(try Emulator(path: truncated)) { XCTAssertTrue("\($0)".contains("SHA-256"), "\($0)") }

        var flipped = bytes
        flipped[40] ^= 0x5A
        let damaged = directory.appendingPathComponent("damaged.img").path
        try Data(flipped).write(to: URL(fileURLWithPath: damaged))
        XCTAssertThrowsError(try Emulator(path: damaged)) { XCTAssertTrue($0 is ImageError, "\($0)") }

        let missing = directory.appendingPathComponent("missing.img").path
        XCTAssertThrowsError(try Emulator(path: missing)) { XCTAssertTrue("\($0)".contains(missing), "\($0)") }
    }

    func testInputThatDoesNotFitTheImageIsAnError() throws {
        let (image, inputs) = Self.randomImage(seed: 7)
        let emulator = Emulator(image: image)
        XCTAssertThrowsError(try emulator.run(TestImages.raster([[1]], neurons: 64))) { XCTAssertTrue("\($0)".contains("time steps"), "\($0)") }
        XCTAssertThrowsError(try emulator.run(SpikeRaster(neuronCount: 10, timeSteps: 80))) { XCTAssertTrue("\($0)".contains("expects 64"), "\($0)") }
        XCTAssertThrowsError(try emulator.run(count: 3) { $0 == 2 ? SpikeRaster(neuronCount: 3, timeSteps: 80) : inputs[$0] })
    }
}
