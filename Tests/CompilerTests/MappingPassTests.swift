import Kernels
import NeuroImage
import XCTest
@testable import Compiler

final class MappingPassTests: XCTestCase {
    func testPartitionSplitsTheHiddenLayerOnNanoAndKeepsItWholeOnMicro() throws {
        let shapes = TestModels.shapes(TestModels.model([784, 800, 10]))
        var diagnostics = Diagnostics()
        let nano = try PartitionPass(target: TestModels.target("hm2bp-nano").target, weightBits: 8).apply(shapes, diagnostics: &diagnostics)
        XCTAssertEqual(nano.slices[0].count, 7)
        XCTAssertTrue(nano.slices[0].allSatisfy { $0.neuronCount <= 128 })
        XCTAssertEqual(nano.slices[1], [LayerSlice(layer: 1, firstNeuron: 0, neuronCount: 10)])
        let micro = try PartitionPass(target: TestModels.target("hm2bp-micro").target, weightBits: 8).apply(shapes, diagnostics: &diagnostics)
        XCTAssertEqual(micro.slices.map(\.count), [1, 1])
        XCTAssertFalse(diagnostics.hasErrors, "\(diagnostics.items)")
    }

    func testPartitionCheckerCatchesAGapAndAnOversizedSlice() throws {
        let shapes = TestModels.shapes(TestModels.model([784, 800, 10]))
        let pass = PartitionPass(target: try TestModels.target("hm2bp-nano").target, weightBits: 8)
        var diagnostics = Diagnostics()
        var broken = pass.run(shapes, diagnostics: &diagnostics)
        broken.slices[0][1].firstNeuron += 1
        XCTAssertFalse(pass.check(shapes, broken).isEmpty)
        var oversized = pass.run(shapes, diagnostics: &diagnostics)
        oversized.slices[0] = [LayerSlice(layer: 0, firstNeuron: 0, neuronCount: 800)]
        XCTAssertFalse(pass.check(shapes, oversized).isEmpty)
    }

    func testPlaceNumbersCoresInLayerOrderAndItsCheckerAgrees() throws {
        let target = try TestModels.target("hm2bp-nano").target
        var diagnostics = Diagnostics()
        let partitioning = PartitionPass(target: target, weightBits: 8).run(TestModels.shapes(TestModels.model([784, 800, 10])), diagnostics: &diagnostics)
        let placement = try PlacePass(target: target).apply(partitioning, diagnostics: &diagnostics)
        XCTAssertEqual(placement.coresOfLayer, [Array(0..<7), [7]])
        XCTAssertFalse(diagnostics.hasErrors)
        var swapped = placement
        swapped.coresOfLayer = [Array(1..<8), [0]]
        XCTAssertFalse(PlacePass(target: target).check(partitioning, swapped).isEmpty)
    }

    func testRouteSendsEverySourceToEveryCoreOfTheNextLayer() throws {
        let target = try TestModels.target("hm2bp-nano").target
        var diagnostics = Diagnostics()
        let placement = PlacePass(target: target).run(
            PartitionPass(target: target, weightBits: 8).run(TestModels.shapes(TestModels.model([784, 800, 10])), diagnostics: &diagnostics),
            diagnostics: &diagnostics)
        let tables = try RoutePass(target: target).apply(placement, diagnostics: &diagnostics)
        let slice = placement.cores[2]
        XCTAssertEqual(tables.coreTables[2].destinations(of: 5), [Destination(core: 7, axon: slice.firstNeuron + 5)])
        XCTAssertEqual(tables.inputMap.destinations(of: 783).count, 7)
        XCTAssertEqual(tables.coreTables[7].entries, [], "the output layer routes nowhere")
        XCTAssertEqual(tables.coreTables[0].spikeBudget, 256)
        var wrong = tables
        wrong.coreTables[1].entries[3].targets[0].axonBase += 1
        XCTAssertFalse(RoutePass(target: target).check(placement, wrong).isEmpty)
    }

    func testCompressOnlyUntilItFitsAndStaysEquivalent() throws {
        let target = try TestModels.target("hm2bp-nano").target
        var diagnostics = Diagnostics()
        let placement = PlacePass(target: target).run(
            PartitionPass(target: target, weightBits: 8).run(TestModels.shapes(TestModels.model([784, 800, 10])), diagnostics: &diagnostics),
            diagnostics: &diagnostics)
        let exact = RoutePass(target: target).run(placement, diagnostics: &diagnostics)
        let compressed = try CompressPass(target: target).apply(RoutedPlacement(placement: placement, tables: exact), diagnostics: &diagnostics)
        XCTAssertFalse(diagnostics.hasErrors, "\(diagnostics.items)")
        XCTAssertEqual(exact.coreTables[0].entries.count, 115)
        XCTAssertLessThanOrEqual(compressed.coreTables[0].entries.count, 32)
        XCTAssertGreaterThan(compressed.coreTables[0].entries.count, 1, "stops merging once the table fits")
        XCTAssertLessThanOrEqual(compressed.inputMap.entries.count, 32)

        let roomy = try TestModels.modifiedTarget("hm2bp-nano", [("\"tableEntries\": 32", "\"tableEntries\": 200")]).target
        let untouched = CompressPass(target: roomy).run(RoutedPlacement(placement: placement, tables: exact), diagnostics: &diagnostics)
        XCTAssertEqual(untouched.coreTables, exact.coreTables, "tables that fit are left exact")
    }

    /// Random destination patterns, squeezed to one entry: whatever merges, every source must
    /// route exactly as before, and the checker must agree.
    func testCompressionIsEquivalentOnRandomTables() {
        var rng = SplitMix64(seed: 11)
        for _ in 0..<200 {
            let sources = Int(rng.next() % 64) + 1
            let entries = (0..<sources).compactMap { n -> RouteEntry? in
                if rng.next() % 5 == 0 { return nil }
                let base = rng.next() % 3 == 0 ? Int(rng.next() % 100) : n
                let cores = rng.next() % 2 == 0 ? [1] : [1, 2]
                return RouteEntry(key: UInt32(n), mask: ~0, targets: cores.map { RouteTarget(core: $0, axonBase: base) })
            }
            let before = RoutingTable(spikeBudget: 0, entries: entries)
            let after = RoutingTable(spikeBudget: 0, entries: CompressPass.compress(entries, limit: 1))
            XCTAssertLessThanOrEqual(after.entries.count, entries.count)
            for n in 0..<64 { XCTAssertEqual(after.destinations(of: n), before.destinations(of: n), "source \(n)") }
        }
    }

    func testCompressCheckerRejectsAWrongMerge() throws {
        let target = try TestModels.modifiedTarget("hm2bp-nano", [("\"tableEntries\": 32", "\"tableEntries\": 1")]).target
        var diagnostics = Diagnostics()
        let placement = PlacePass(target: target).run(
            PartitionPass(target: target, weightBits: 8).run(TestModels.shapes(TestModels.model([16, 8, 2])), diagnostics: &diagnostics),
            diagnostics: &diagnostics)
        let exact = RoutePass(target: target).run(placement, diagnostics: &diagnostics)
        let input = RoutedPlacement(placement: placement, tables: exact)
        var bad = CompressPass(target: target).run(input, diagnostics: &diagnostics)
        XCTAssertTrue(CompressPass(target: target).check(input, bad).isEmpty)
        // shift one merged block by an axon: sources of that block would land one axon off
        bad.inputMap.entries[0].targets[0].axonBase += 1
        XCTAssertFalse(CompressPass(target: target).check(input, bad).isEmpty)
    }
}
