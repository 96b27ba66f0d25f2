import Kernels
import NeuroImage
import SpikeModel
import XCTest
@testable import Emulator

/// The core-by-core schedule against lockstep on routings the compiler does not emit: an input
/// map that permutes or skips axons (events taken from the raster without routing, but not in
/// place), and a routing cycle (which must run in lockstep).
final class CoreMajorTests: XCTestCase {
    private func network(inputs: Int, widths: [Int], seed: UInt64) -> [TestLayer] {
        var random = SplitMix64(seed: seed)
        var fanIn = inputs
        return widths.map { width in
            let rule = NeuronRule(stateBits: 32, weightShift: 10, currentDecay: .shift(3), membraneDecay: .shift(6), refractorySteps: 2)
            let weights = (0..<(fanIn * width)).map { _ in Int8(truncatingIfNeeded: Int(random.next() % 256) - 100) }
            let thresholds = (0..<width).map { _ in Int64(random.next() % 200_000) + 1 }
            defer { fanIn = width }
            return TestLayer(reference: FixedPointLayer(rule: rule, axonCount: fanIn, neuronCount: width, weights: weights,
                                                        thresholds: thresholds, laterals: [Int64](repeating: 0, count: width)))
        }
    }

    private func raster(inputs: Int, steps: Int, seed: UInt64) -> SpikeRaster {
        var random = SplitMix64(seed: seed)
        return TestImages.raster((0..<steps).map { _ in (0..<Int32(inputs)).filter { _ in random.next() % 100 < 15 } }, neurons: inputs)
    }

    /// Counters of a lockstep run (recording spikes forces lockstep) without the recordings.
    private func lockstep(_ emulator: Emulator, _ input: SpikeRaster) throws -> SampleResult {
        var result = try emulator.run(input, recording: .spikes)
        result.coreSpikes = nil
        result.layerSpikes = nil
        return result
    }

    func testPermutedAndPartialInputMapsReadTheRasterInOrder() throws {
        let inputs = 64, steps = 60
        var image = TestImages.make(inputCount: inputs, layers: network(inputs: inputs, widths: [90, 10], seed: 5), timeSteps: steps)
        // Inputs 0-31 land on axons 32-63 and 32-63 on 0-31; then the same with inputs 48-63 unrouted.
        let swapped = [RouteEntry(key: 0, mask: ~31, targets: [RouteTarget(core: 0, axonBase: 32)]),
                       RouteEntry(key: 32, mask: ~31, targets: [RouteTarget(core: 0, axonBase: 0)])]
        let partial = [RouteEntry(key: 0, mask: ~31, targets: [RouteTarget(core: 0, axonBase: 32)]),
                       RouteEntry(key: 32, mask: ~15, targets: [RouteTarget(core: 0, axonBase: 0)])]
        for entries in [swapped, partial] {
            image.inputMap = RoutingTable(spikeBudget: 0, entries: entries)
            let emulator = Emulator(image: image)
            let direct = try XCTUnwrap(emulator.directInputs.first)
            XCTAssertFalse(direct.identity)
            let input = raster(inputs: inputs, steps: steps, seed: 9)
            let coreMajor = try emulator.run(input)
            XCTAssertEqual(coreMajor, try lockstep(emulator, input))
            XCTAssertGreaterThan(coreMajor.layerSpikeTotals.min() ?? 0, 0, "both layers should fire")
        }
    }

    func testARoutingCycleRunsInLockstep() throws {
        let inputs = 32, steps = 50
        var image = TestImages.make(inputCount: inputs, layers: network(inputs: inputs, widths: [32, 10], seed: 7), timeSteps: steps)
        // The output core also feeds the hidden core's axons 0-9: a cycle between the two cores.
        image.routes[1] = RoutingTable(spikeBudget: 0, entries: TestImages.entries(sourceCount: 10, targets: [RouteTarget(core: 0, axonBase: 0)]))
        let emulator = Emulator(image: image)
        XCTAssertNil(emulator.coreOrder)
        XCTAssertTrue(emulator.directInputs.isEmpty, "the hidden core has a second source")
        let input = raster(inputs: inputs, steps: steps, seed: 3)
        XCTAssertEqual(try emulator.run(input), try lockstep(emulator, input))
    }
}
