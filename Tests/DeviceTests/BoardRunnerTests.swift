import Compiler
@testable import Device
import HardwareTargets
import Emulator
import InMemoryBoard
import SpikeModel
import XCTest

/// Samples on the board (the firmware's engine behind its protocol handler) against the
/// emulator: every core's spikes at every step and the counters.
final class BoardRunnerTests: XCTestCase {
    func testTracedRunsMatchTheEmulatorSpikeForSpike() throws {
        let (_, board) = try BoardFixtures.board()
        let compiled = try BoardFixtures.image(target: "hm2bp-nano")
        _ = try Flasher.flash(compiled.bytes, image: compiled.image, to: board)
        try board.requireActive(imageBytes: compiled.bytes)
        let emulator = Emulator(image: compiled.image)
        let rasters = BoardFixtures.rasters(inputs: 64, timeSteps: 60, count: 6)
        let report = try BoardEvaluation.verify(board: board, image: compiled.image, emulator: emulator, count: rasters.count, input: { rasters[$0] })
        XCTAssertTrue(report.passed, report.firstDivergence?.text ?? "")
        XCTAssertEqual(report.stepsCompared, 6 * 60 * compiled.image.cores.count)
        XCTAssertGreaterThan(report.spikesCompared, 100, "the test network should spike")
        let runner = try BoardRunner(board: board, image: compiled.image)
        let untraced = try runner.run(rasters[0], trace: false)
        XCTAssertNil(untraced.coreSpikes)
        XCTAssertEqual(untraced.outputCounts, try emulator.run(rasters[0]).outputCounts)
    }

    /// Image format version 2 on the board: the firmware applies shared kernels per event and
    /// must agree with the emulator, which expands them at load.
    func testASpikingCNNOnTheLargeBoardMatchesTheEmulatorSpikeForSpike() throws {
        let (_, board) = try BoardFixtures.board("hm2bp-large")
        let (model, bytes) = try BoardFixtures.convolutionalModel(seed: 4)
        let compiled = try ModelCompiler.compile(model: model, modelBytes: bytes, target: try TargetLoader.load("hm2bp-large"), calibration: [])
        XCTAssertTrue(compiled.image.cores.contains { $0.form == .sharedKernel })
        _ = try Flasher.flash(compiled.bytes, image: compiled.image, to: board)
        try board.requireActive(imageBytes: compiled.bytes)
        let rasters = BoardFixtures.rasters(inputs: 64, timeSteps: 60, count: 4)
        let report = try BoardEvaluation.verify(board: board, image: compiled.image, emulator: Emulator(image: compiled.image),
                                                count: rasters.count, input: { rasters[$0] })
        XCTAssertTrue(report.passed, report.firstDivergence?.text ?? "")
        XCTAssertGreaterThan(report.spikesCompared, 100, "the test network should spike")
    }

    func testStepsPerFrameKeepEveryPayloadWithinTheLimit() throws {
        let (_, board) = try BoardFixtures.board()
        let compiled = try BoardFixtures.image(target: "hm2bp-nano")
        _ = try Flasher.flash(compiled.bytes, image: compiled.image, to: board)
        let runner = try BoardRunner(board: board, image: compiled.image)
        for trace in [false, true] {
            let steps = runner.stepsPerFrame(trace: trace)
            XCTAssertLessThanOrEqual(8 + steps * board.info.inputBytesPerStep, Frame.maxPayload)
            if trace { XCTAssertLessThanOrEqual(8 + steps * board.info.traceBytesPerStep, Frame.maxPayload) }
            XCTAssertGreaterThanOrEqual(steps, 1)
        }
    }

    func testADifferenceIsLocatedBySampleCoreNeuronAndStep() throws {
        let compiled = try BoardFixtures.image(target: "hm2bp-nano")
        let emulator = Emulator(image: compiled.image)
        let raster = BoardFixtures.rasters(inputs: 64, timeSteps: 60, count: 1)[0]
        let reference = try emulator.run(raster, recording: .spikes)
        // The board's result with one spike of core 1 moved: first divergence at that step.
        var cores = reference.coreSpikes!
        let (t, neuron) = try XCTUnwrap((0..<60).lazy.compactMap { t in cores[1].firing(at: t).first.map { (t, Int($0)) } }.first)
        var edited = SpikeRaster(neuronCount: cores[1].neuronCount, timeSteps: 60)
        for step in 0..<60 { edited.appendStep(step == t ? cores[1].firing(at: step).filter { $0 != Int32(neuron) } : Array(cores[1].firing(at: step))) }
        cores[1] = edited
        let board = BoardSampleResult(outputCounts: reference.outputCounts, saturationsPerLayer: reference.saturations,
                                      droppedSpikesPerRouter: reference.droppedSpikes, coreSpikes: cores)
        var report = BoardEvaluation.VerifyReport(serial: "x", target: "hm2bp-nano", samples: 1, cores: 2, stepsCompared: 0, spikesCompared: 0,
                                                  differingSamples: 0, firstDivergence: nil, seconds: 0)
        let divergence = BoardEvaluation.compare(sample: 7, image: compiled.image, board: board, emulator: reference, report: &report)
        XCTAssertEqual(divergence, BoardEvaluation.Divergence(sample: 7, kind: "spike", core: 1, layer: compiled.image.cores[1].layer,
                                                              neuron: neuron, step: t, board: "silent", emulator: "spikes"))
        // Counters only.
        var counts = reference.outputCounts
        counts[3] += 1
        let countsOnly = BoardSampleResult(outputCounts: counts, saturationsPerLayer: reference.saturations,
                                           droppedSpikesPerRouter: reference.droppedSpikes, coreSpikes: reference.coreSpikes)
        XCTAssertEqual(BoardEvaluation.compare(sample: 0, image: compiled.image, board: countsOnly, emulator: reference, report: &report)?.kind, "outputCounts")
    }
}
