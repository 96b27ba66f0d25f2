import Emulator
import Foundation
import NeuroImage
import SpikeModel

/// Samples run on a board next to the emulator: `hm2bp run` (accuracy, throughput, agreement)
/// and `hm2bp verify --on-device` (spike for spike on every core, first divergence).
public enum BoardEvaluation {
    public struct RunSummary: Codable, Sendable, Equatable {
        public var serial: String
        public var target: String
        public var samples: Int
        public var correct: Int
        public var accuracy: Double
        public var seconds: Double
        public var samplesPerSecond: Double
        /// Samples whose board prediction equals the emulator's.
        public var emulatorAgreement: Double
        /// Samples whose output counts equal the emulator's exactly.
        public var identicalOutputCounts: Int

        public var text: String {
            String(format: "board %@ (%@): accuracy %.2f%% (%d of %d) in %.2f s (%.1f samples/s)\nagreement with the emulator: %.2f%% of predictions, output counts identical on %d of %d samples",
                   serial, target, accuracy * 100, correct, samples, seconds, samplesPerSecond, emulatorAgreement * 100, identicalOutputCounts, samples)
        }
    }

    /// Where board and emulator first differ: a spike (core, local neuron, step) or a counter.
    public struct Divergence: Codable, Sendable, Equatable {
        public var sample: Int
        /// "spike", "outputCounts", "saturations" or "droppedSpikes".
        public var kind: String
        public var core: Int?
        public var layer: Int?
        /// Local neuron index in the core (spike) or counter index.
        public var neuron: Int?
        public var step: Int?
        public var board: String
        public var emulator: String

        public var text: String {
            if kind == "spike", let core, let layer, let neuron, let step {
                return "sample \(sample), core \(core) (layer \(layer)), neuron \(neuron), step \(step): board \(board), emulator \(emulator)"
            }
            return "sample \(sample), \(kind)[\(neuron ?? 0)]: board \(board), emulator \(emulator)"
        }
    }

    public struct VerifyReport: Codable, Sendable, Equatable {
        public var serial: String
        public var target: String
        public var samples: Int
        public var cores: Int
        public var stepsCompared: Int
        public var spikesCompared: Int
        public var differingSamples: Int
        public var firstDivergence: Divergence?
        public var seconds: Double
        public var passed: Bool { differingSamples == 0 }

        public var text: String {
            var lines = [String(format: "on device %@ (%@): %d samples, %d cores, %d core-steps and %d spikes compared with the emulator in %.1f s",
                                serial, target, samples, cores, stepsCompared, spikesCompared, seconds)]
            if let firstDivergence {
                lines.append("DIFFERENT on \(differingSamples) of \(samples) samples; first divergence: \(firstDivergence.text)")
            } else {
                lines.append("identical: every spike of every core at every step, output counts, saturations and dropped spikes")
            }
            return lines.joined(separator: "\n")
        }
    }

    public static func run(board: Board, image: NeuroImage, emulator: Emulator, count: Int, label: (Int) -> Int,
                           input: (Int) -> SpikeRaster, progress: (Int) -> Void = { _ in }) throws -> RunSummary {
        let runner = try BoardRunner(board: board, image: image)
        var correct = 0, agree = 0, identical = 0
        var seconds = 0.0
        for i in 0..<count {
            let raster = input(i)
            let start = Date()
            let onBoard = try runner.run(raster, trace: false)
            seconds += Date().timeIntervalSince(start)
            let reference = try emulator.run(raster)
            if onBoard.prediction == label(i) { correct += 1 }
            if onBoard.prediction == reference.prediction { agree += 1 }
            if onBoard.outputCounts == reference.outputCounts { identical += 1 }
            progress(i + 1)
        }
        let n = max(count, 1)
        return RunSummary(serial: board.info.serial, target: board.info.targetName, samples: count, correct: correct,
                          accuracy: Double(correct) / Double(n), seconds: seconds, samplesPerSecond: Double(count) / max(seconds, 1e-9),
                          emulatorAgreement: Double(agree) / Double(n), identicalOutputCounts: identical)
    }

    public static func verify(board: Board, image: NeuroImage, emulator: Emulator, count: Int,
                              input: (Int) -> SpikeRaster, progress: (Int) -> Void = { _ in }) throws -> VerifyReport {
        let runner = try BoardRunner(board: board, image: image)
        let start = Date()
        var report = VerifyReport(serial: board.info.serial, target: board.info.targetName, samples: count, cores: image.cores.count,
                                  stepsCompared: 0, spikesCompared: 0, differingSamples: 0, firstDivergence: nil, seconds: 0)
        for i in 0..<count {
            let raster = input(i)
            let onBoard = try runner.run(raster, trace: true)
            let reference = try emulator.run(raster, recording: .spikes)
            let divergence = compare(sample: i, image: image, board: onBoard, emulator: reference, report: &report)
            if let divergence {
                report.differingSamples += 1
                if report.firstDivergence == nil { report.firstDivergence = divergence }
            }
            progress(i + 1)
        }
        report.seconds = Date().timeIntervalSince(start)
        return report
    }

    /// The first difference of one sample, spikes in step order then core order, then counters.
    static func compare(sample: Int, image: NeuroImage, board: BoardSampleResult, emulator: SampleResult, report: inout VerifyReport) -> Divergence? {
        let boardCores = board.coreSpikes ?? []
        let emulatorCores = emulator.coreSpikes ?? []
        let steps = image.timeSteps
        var found: Divergence?
        for t in 0..<steps {
            for c in 0..<image.cores.count {
                report.stepsCompared += 1
                let b = c < boardCores.count && t < boardCores[c].filledSteps ? Set(boardCores[c].firing(at: t)) : []
                let e = c < emulatorCores.count && t < emulatorCores[c].filledSteps ? Set(emulatorCores[c].firing(at: t)) : []
                report.spikesCompared += e.count
                if found == nil, b != e, let neuron = b.symmetricDifference(e).min() {
                    found = Divergence(sample: sample, kind: "spike", core: c, layer: image.cores[c].layer, neuron: Int(neuron), step: t,
                                       board: b.contains(neuron) ? "spikes" : "silent", emulator: e.contains(neuron) ? "spikes" : "silent")
                }
            }
        }
        if let found { return found }
        func counter(_ kind: String, _ b: [Int], _ e: [Int]) -> Divergence? {
            guard b != e else { return nil }
            let index = (0..<min(b.count, e.count)).first { b[$0] != e[$0] } ?? min(b.count, e.count)
            return Divergence(sample: sample, kind: kind, core: nil, layer: nil, neuron: index, step: nil,
                              board: index < b.count ? "\(b[index])" : "(missing)", emulator: index < e.count ? "\(e[index])" : "(missing)")
        }
        return counter("outputCounts", board.outputCounts.map(Int.init), emulator.outputCounts.map(Int.init))
            ?? counter("saturations", board.saturationsPerLayer, emulator.saturations)
            ?? counter("droppedSpikes", board.droppedSpikesPerRouter, emulator.droppedSpikes)
    }
}
