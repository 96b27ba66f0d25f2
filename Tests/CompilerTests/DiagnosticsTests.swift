import HardwareTargets
import NeuroImage
import SpikeModel
import XCTest
@testable import Compiler

final class DiagnosticsTests: XCTestCase {
    private func failure(_ model: Model, _ target: TargetLoader.LoadedTarget, weightBits: Int? = nil) throws -> [Diagnostic] {
        let bytes = try ModelFile.encode(model)
        do {
            _ = try ModelCompiler.compile(model: model, modelBytes: bytes, target: target, calibration: [], options: CompileOptions(weightBits: weightBits))
        } catch let failure as CompileFailure {
            return failure.diagnostics.filter { $0.severity == .error }
        }
        XCTFail("expected the compile to fail")
        return []
    }

    /// A model too big for the nano board in every way at once: every violation comes back in
    /// one run, each naming its layer, need and limit.
    func testEveryViolationIsReportedByLayerInOneRun() throws {
        // 2048 inputs exceed the 1024 axons; 1600 hidden need 13 cores; the 200-neuron output
        // layer with lateral inhibition cannot be split over 128-neuron cores; tauM 50 is no
        // shift; 20 refractory steps exceed 15.
        let model = TestModels.model([2048, 1600, 200], constants: NeuronConstants(tauM: 50, tauS: 8, refractorySteps: 20, timeSteps: 400))
        let errors = try failure(model, try TestModels.target("hm2bp-nano"))
        func find(_ layer: Int?, _ resource: String) -> Diagnostic? { errors.first { $0.layer == layer && $0.resource.hasPrefix(resource) } }

        let fanIn = try XCTUnwrap(find(0, "input axons per core"), "\(errors)")
        XCTAssertEqual([fanIn.need, fanIn.limit], [2048, 1024])
        let outputFanIn = try XCTUnwrap(find(1, "input axons per core"))
        XCTAssertEqual([outputFanIn.need, outputFanIn.limit], [1600, 1024])
        let lateral = try XCTUnwrap(find(1, "neurons on one core"))
        XCTAssertEqual(lateral.need, 200)
        let cores = try XCTUnwrap(find(nil, "cores"))
        XCTAssertGreaterThan(cores.need, 8)
        XCTAssertEqual(cores.limit, 8)
        XCTAssertNotNil(find(0, "destinations per source"), "input spikes fan out to more than 8 cores")
        XCTAssertNotNil(find(nil, "refractory steps"))
        XCTAssertNotNil(find(nil, "tauM = 50.0"))
        XCTAssertTrue(errors.allSatisfy { !$0.description.isEmpty && $0.description.contains("needs") })
    }

    func testTooManyCoresSuggestsTheTargetThatFits() throws {
        let errors = try failure(TestModels.model([784, 1600, 10]), try TestModels.target("hm2bp-nano"))
        let cores = try XCTUnwrap(errors.first { $0.resource.hasPrefix("cores") })
        XCTAssertEqual(cores.need, 14)
        XCTAssertTrue(cores.fixes.contains("use target hm2bp-micro"), "\(cores.fixes)")
        XCTAssertTrue(cores.fixes.contains { $0.hasPrefix("reduce layer 0 to at most") }, "\(cores.fixes)")
    }

    /// Issue 9 item 24: a model too big for a board is told the largest architecture of its shape
    /// that fits (not "use target emulator"), and too many time steps mean retraining.
    func testTooBigForABoardNamesTheLargestFittingArchitectureAndRetraining() throws {
        let nano = try TestModels.target("hm2bp-nano")
        let errors = try failure(TestModels.model([784, 1600, 10], constants: NeuronConstants(timeSteps: 2000)), nano)
        let fixes = errors.flatMap(\.fixes)
        let largest = try XCTUnwrap(fixes.first { $0.hasPrefix("the largest 784-H-...-10 that fits hm2bp-nano is 784-") }, "\(fixes)")
        XCTAssertFalse(fixes.contains("use target emulator"), "\(fixes)")
        XCTAssertTrue(fixes.contains { $0.contains("hm2bp train --time-steps 1024") }, "\(fixes)")
        // The suggested architecture really fits, and one neuron more does not.
        let width = Int(largest.split(separator: " ")[7].split(separator: "-")[1])!
        XCTAssertEqual(ModelCompiler.largestFittingHiddenWidth(TestModels.model([784, 1600, 10]).network, target: nano.target, weightBits: 8), width)
        XCTAssertTrue(ModelCompiler.fits(TestModels.model([784, width, 10]).network, target: nano.target, weightBits: 8))
        XCTAssertFalse(ModelCompiler.fits(TestModels.model([784, width + 1, 10]).network, target: nano.target, weightBits: 8))
    }

    func testFewerWeightBitsAreSuggestedWhenTheyFit() throws {
        // Memory-bound cores: 12500 x 64-bit entries hold 100000 8-bit weights (127 neurons of
        // fan-in 784 per core: 7 cores + 1) but 112500 7-bit ones (143 per core: 6 + 1).
        let target = try TestModels.modifiedTarget("hm2bp-micro", [
            ("\"cores\": 4", "\"cores\": 7"), ("\"entries\": 262144", "\"entries\": 12500"), ("\"bitsPerEntry\": 32", "\"bitsPerEntry\": 64"),
            ("\"destinationsPerSource\": 4", "\"destinationsPerSource\": 8"),
        ])
        let errors = try failure(TestModels.model([784, 800, 10]), target)
        let cores = try XCTUnwrap(errors.first { $0.resource.hasPrefix("cores") }, "\(errors)")
        XCTAssertEqual([cores.need, cores.limit], [8, 7])
        XCTAssertTrue(cores.fixes.contains("7-bit weights would fit (--weight-bits 7)"), "\(cores.fixes)")
    }

    /// A router budget the calibration spikes exceed is a warning naming the core: the image
    /// still runs, but the router would drop spikes on data like this.
    func testSpikeBudgetOverrunsSeenInCalibrationAreWarnings() throws {
        let model = TestModels.model([60, 24, 5], constants: NeuronConstants(timeSteps: 120))
        let target = try TestModels.modifiedTarget("hm2bp-nano", [("\"neurons\": 128", "\"neurons\": 12"), ("\"spikesPerStep\": 256", "\"spikesPerStep\": 2")])
        let result = try ModelCompiler.compile(model: model, modelBytes: try ModelFile.encode(model), target: target,
                                               calibration: TestModels.rasters(inputs: 60, timeSteps: 120, count: 3, maxRate: 0.5))
        let peaks = try XCTUnwrap(result.summary.quantization[0].peakSpikesPerStepPerCore)
        XCTAssertEqual(peaks.count, 2, "layer 0 is on two cores of 12")
        XCTAssertTrue(peaks.allSatisfy { $0 <= 12 })
        let overruns = result.warnings.filter { $0.layer == 0 }
        XCTAssertEqual(overruns.map(\.core), peaks.enumerated().filter { $0.element > 2 }.map { Optional($0.offset) })
        XCTAssertFalse(overruns.isEmpty, "these inputs make more than 2 hidden neurons of a core fire together")
        XCTAssertTrue(overruns.allSatisfy { $0.severity == .warning && $0.limit == 2 })
    }

    func testRoutingThatCannotBeCompressedEnoughIsReportedPerCore() throws {
        let target = try TestModels.modifiedTarget("hm2bp-nano", [("\"tableEntries\": 32", "\"tableEntries\": 1")])
        // 115 neurons per core compress to 5 blocks (64+32+16+2+1), more than 1 entry.
        let errors = try failure(TestModels.model([784, 800, 10]), target)
        let tables = errors.filter { $0.resource == "routing table entries after compression" }
        XCTAssertEqual(tables.count, 7, "\(errors)")
        XCTAssertTrue(tables.allSatisfy { $0.layer == 0 && $0.core != nil && $0.limit == 1 })
    }

    /// The same violation on several cores of a layer prints once, naming the cores as runs.
    func testTheSameViolationOnSeveralCoresIsOneLine() {
        let table = { (core: Int, need: Int) in
            Diagnostic(layer: 1, core: core, resource: "routing table entries after compression", need: need, limit: 32, fixes: ["use target hm2bp-large"])
        }
        let lines = Diagnostic.lines([Diagnostic(resource: "cores", need: 119, limit: 8, fixes: []),
                                      table(18, 60), table(19, 60), table(20, 60), table(24, 60), table(25, 48)])
        XCTAssertEqual(lines, [
            "error: model: cores: needs 119, limit 8",
            "error: layer 1, cores 18-20, 24 (4 cores): routing table entries after compression: needs 60 each, limit 32: use target hm2bp-large",
            "error: layer 1, core 25: routing table entries after compression: needs 48, limit 32: use target hm2bp-large",
        ])
    }
}
