import HardwareTargets
import NeuroImage
import XCTest
@testable import Compiler

/// Partition of convolution and pooling layers into output tiles (docs/compiler.md).
final class SpatialPartitionTests: XCTestCase {
    func testOnlyDistinctSplitsAreTried() {
        for size in 1...300 {
            let valid = (1...size).filter { count in
                let length = (size + count - 1) / count
                return (size + length - 1) / length == count
            }
            XCTAssertEqual(PartitionPass.distinctPartCounts(size), valid, "\(size)")
        }
    }

    func testTilesFitTheCoresAndCoverTheMapOnce() throws {
        let conv = SpatialGeometry.convolution(input: MapSize(channels: 15, rows: 12, columns: 12), kernels: 40, kernelSize: 5)
        let shape = LayerShape(inputCount: conv.input.count, neuronCount: conv.output.count, hasLateralInhibition: false, geometry: conv)
        for name in ["hm2bp-large", "hm2bp-micro", "hm2bp-nano"] {
            let target = try TargetLoader.load(name).target
            let pass = PartitionPass(target: target, weightBits: 8)
            var diagnostics = Diagnostics()
            let slices = try pass.apply([shape], diagnostics: &diagnostics).slices[0]
            XCTAssertFalse(diagnostics.hasErrors, name)
            var covered = [Int](repeating: 0, count: conv.output.count)
            for slice in slices {
                let tile = try XCTUnwrap(slice.tile)
                XCTAssertLessThanOrEqual(tile.neuronCount, target.core.neurons, name)
                XCTAssertLessThanOrEqual(conv.window(of: tile).size.count, target.core.inputAxons, name)
                for index in tile.mapIndices(in: conv.output) { covered[index] += 1 }
            }
            XCTAssertEqual(Set(covered), [1], name)
            if name == "hm2bp-large" { XCTAssertEqual(slices.count, 3, "2560 neurons on cores of 1024") }
            if name == "hm2bp-nano" { XCTAssertGreaterThanOrEqual(slices.count, 20, "expanded windows need many small tiles") }
        }
    }

    /// A one-neuron window wider than a core's axons is reported at once, not searched for.
    func testAWindowTooWideForAnyCoreIsReported() throws {
        let conv = SpatialGeometry.convolution(input: MapSize(channels: 4096, rows: 300, columns: 300), kernels: 2, kernelSize: 3)
        let shape = LayerShape(inputCount: conv.input.count, neuronCount: conv.output.count, hasLateralInhibition: false, geometry: conv)
        var diagnostics = Diagnostics()
        _ = try PartitionPass(target: try TargetLoader.load("hm2bp-large").target, weightBits: 8).apply([shape], diagnostics: &diagnostics)
        let found = diagnostics.items.first { $0.resource.hasPrefix("input axons per core (the input window of one neuron") }
        XCTAssertEqual(found?.need, 4096 * 9)
        XCTAssertEqual(found?.limit, 4096)
    }
}
