import Kernels
import NeuroImage
import SpikeModel
import XCTest
@testable import Emulator

/// `FastCoreKernel` (16-bit packed accumulation, or int32 sums above 255 events, the
/// saturation-free update on the fast form of the state) must give exactly the scalar kernel's
/// results. The recording here is spikes only, because recorded states take the general path;
/// every case also checks that the fast path really ran, and the saturating cases that the
/// general path did too (so the state changes form back and forth within a sample). Every case
/// runs on the build's own C kernels (AVX-512 here) and on the portable build of them.
final class FastKernelTests: XCTestCase {
    struct Case {
        var name: String
        var widths: [Int]
        var stateBits = 32
        var shift = 10
        var decays: (Decay, Decay) = (.shift(3), .shift(6))
        var refractory = 2
        var lateral: [Bool] = [false, false]
        var splits: [[Int]?] = [nil, nil]
        var budgets: [Int] = []
        var inputBudget = 0
        /// Chance in percent that an input axon fires at a step.
        var inputPercent: UInt64 = 6
        var weightBias = 40
        var thresholdScale: Int64 = 8
        /// Whether some steps must fall back (saturation or a drive above 2^30).
        var expectsGeneralSteps = false
        /// Whether the whole-sample runs can prove exactness (their bound over all steps is
        /// looser than the per-step one: large F leaves it no room).
        var expectsWholeRuns = true
        /// Whether the first layer's whole-sample run must measure its c bound (and succeed).
        var measuresCurrent = false
    }

    func testFastPathsMatchTheScalarKernel() throws {
        let cases = [
            // 800 neurons: three tiles of four 64-neuron blocks and one single block.
            Case(name: "784-800-10 shape", widths: [784, 800, 10]),
            // F above 14: vpmaddwd scales by 2^14, a shift does the rest.
            Case(name: "weight shift 17", widths: [100, 70, 10], shift: 17, weightBias: 10, expectsWholeRuns: false),
            // 400 axons at 90 %: about 360 events per step, above the 16-bit limit of 255.
            Case(name: "dense int32 sums", widths: [400, 130, 10], shift: 4, inputPercent: 90, weightBias: 0, thresholdScale: 2),
            // Lateral inhibition on both layers, odd widths (1-block tiles and tails).
            Case(name: "lateral", widths: [50, 200, 30], lateral: [true, true]),
            // The spike history has one row (R = 0) or two (R = 1): the last step's row is also
            // this step's, or the oldest one.
            Case(name: "lateral, no refractory period", widths: [50, 130, 20], refractory: 0, lateral: [true, true]),
            Case(name: "lateral, refractory 1", widths: [50, 130, 20], refractory: 1, lateral: [true, true]),
            // 24-bit state: the whole-sample runs cannot bound c before running, so they measure it.
            Case(name: "24-bit state, measured current", widths: [300, 64, 10], stateBits: 24, shift: 8, decays: (.shift(3), .shift(1)),
                 inputPercent: 10, expectsWholeRuns: false, measuresCurrent: true),
            // Narrow state: saturating steps fall back, the others run fast.
            Case(name: "saturating", widths: [60, 96, 12], stateBits: 16, shift: 2, thresholdScale: 64, expectsGeneralSteps: true),
            // Split layers with spike budgets on every router and the input map; long refractory.
            Case(name: "split with budgets", widths: [120, 200, 24], refractory: 5, splits: [[100, 60, 40], [7, 17]],
                 budgets: [3, 5, 2, 4, 4], inputBudget: 12),
            // k = 0 (decay to zero) and k = 1, no refractory period.
            Case(name: "shift 0 and 1", widths: [40, 48, 16], decays: (.shift(0), .shift(1)), refractory: 0),
        ]
        var random = SplitMix64(seed: 29)
        for c in cases {
            var layers: [TestLayer] = []
            for l in 1..<c.widths.count {
                let rule = NeuronRule(stateBits: c.stateBits, weightShift: c.shift, currentDecay: c.decays.0, membraneDecay: c.decays.1,
                                      refractorySteps: c.refractory)
                let (fanIn, width) = (c.widths[l - 1], c.widths[l])
                let weights = (0..<(fanIn * width)).map { _ in Int8(truncatingIfNeeded: Int(random.next() % 256) - 128 + c.weightBias) }
                let top = (Int64(1) << (c.stateBits - 1)) - 1
                let reach = min(top / 2, (Int64(fanIn) * c.thresholdScale) << c.shift)
                let thresholds = (0..<width).map { _ in Int64(random.next() % UInt64(reach)) + 1 }
                let laterals = (0..<width).map { _ in c.lateral[l - 1] ? -Int64(random.next() % 4096) : 0 }
                layers.append(TestLayer(reference: FixedPointLayer(rule: rule, axonCount: fanIn, neuronCount: width, weights: weights,
                                                                   thresholds: thresholds, laterals: laterals),
                                        lateral: c.lateral[l - 1], split: c.splits[l - 1]))
            }
            let steps = 80
            let image = TestImages.make(inputCount: c.widths[0], layers: layers, timeSteps: steps, budgets: c.budgets, inputBudget: c.inputBudget)
            var input: [[Int32]] = []
            for _ in 0..<steps { input.append((0..<Int32(c.widths[0])).filter { _ in random.next() % 100 < c.inputPercent }) }
            let raster = TestImages.raster(input, neurons: c.widths[0])
            // The build's own kernels and the portable build: both must give the scalar results.
            for kernels in [FastKernels.native, .portable] {
                let label = "\(c.name) [\(kernels.lanes)]"
                let emulator = Emulator(image: image, vectorize: true, kernels: kernels)
                XCTAssertTrue(emulator.allCoresVectorized, label)
                let workspace = emulator.makeWorkspace()
                let fast = try emulator.run(raster, recording: .spikes, workspace: workspace)
                let scalar = try Emulator(image: image, vectorize: false).run(raster, recording: .spikes)
                XCTAssertEqual(fast, scalar, "\(label): the fast and scalar kernels differ")
                // Nothing recorded: core by core (whole-sample C runs, or step by step where those
                // cannot prove exactness), with exactly the lockstep run's counters.
                XCTAssertNotNil(emulator.coreOrder, label)
                let coreMajorSpace = emulator.makeWorkspace()
                let coreMajor = try emulator.run(raster, workspace: coreMajorSpace)
                var lockstep = fast
                lockstep.coreSpikes = nil
                lockstep.layerSpikes = nil
                XCTAssertEqual(coreMajor, lockstep, "\(label): the core-by-core and lockstep runs differ")
                let whole = zip(emulator.cores, coreMajorSpace.states).filter { !$0.0.hasLateral }.map { $0.1.fastSteps == steps - 1 }
                if c.measuresCurrent {
                    let first = emulator.cores[0], most = input.map(\.count).max() ?? 0
                    let drive = try XCTUnwrap(FastCoreKernel.wholeRunDrive(first, events: most))
                    XCTAssertFalse(FastCoreKernel.coreRunIsExact(first, drive: drive, currentBound: FastCoreKernel.currentBoundBeforeRun(first, drive: drive),
                                                                 membraneMin: 0), "\(label): c should need measuring")
                    XCTAssertEqual(coreMajorSpace.states[0].fastSteps, steps - 1, "\(label): the first layer should run whole")
                }
                if c.expectsGeneralSteps {
                    XCTAssertTrue(whole.contains(false), "\(label): a saturating core must be rerun step by step")
                } else if c.expectsWholeRuns {
                    XCTAssertFalse(whole.contains(false), "\(label): every core without a lateral term should run whole")
                }
                // Recorded states run every step on the general path (and t = 0 on the scalar one).
                let recorded = try emulator.run(raster, recording: [.spikes, .states])
                XCTAssertEqual(recorded.layerSpikes, fast.layerSpikes, "\(label): the recorded run differs")
                XCTAssertEqual(recorded.saturations, fast.saturations, label)
                XCTAssertGreaterThan(fast.layerSpikeTotals.min() ?? 0, 0, "\(label): every layer should fire")
                let fastSteps = workspace.states.map(\.fastSteps)
                XCTAssertGreaterThan(fastSteps.min() ?? 0, 0, "\(label): every core should take the fast path")
                if c.expectsGeneralSteps {
                    XCTAssertGreaterThan(fast.saturations.reduce(0, +), 0, "\(label) should saturate")
                    XCTAssertLessThan(fastSteps.reduce(0, +), workspace.states.count * (steps - 1), "\(label): saturating steps must fall back")
                }
                if !c.budgets.isEmpty { XCTAssertGreaterThan(fast.droppedSpikes.reduce(0, +), 0, "\(label): budgets should drop spikes") }
            }
        }
    }
}
