import Foundation
import HM2BPTrain

/// Training progress: a redrawn bar when stderr is a terminal, plain lines (every 10%) otherwise
/// so logs stay readable.
final class ProgressDisplay {
    private let isTerminal = isatty(STDERR_FILENO) != 0
    private var lastDecile = -1
    private var drawn = false
    private var lastDraw = Date.distantPast

    func update(_ p: Trainer.Progress) {
        let fraction = Double(p.samplesDone) / Double(max(1, p.samplesTotal))
        let eta = Double(p.samplesTotal - p.samplesDone) / max(p.samplesPerSecond, 1e-9)
        let figures = String(format: "%d/%d  %.0f samples/s  acc %.1f%%  ETA %@", p.samplesDone, p.samplesTotal,
                             p.samplesPerSecond, p.runningAccuracy * 100, Self.duration(eta))
        if isTerminal {
            // Redraw at most ten times a second: a terminal is slower than the trainer.
            guard p.samplesDone == p.samplesTotal || Date().timeIntervalSince(lastDraw) >= 0.1 else { return }
            lastDraw = Date()
            let width = 30
            let filled = Int(fraction * Double(width))
            let bar = String(repeating: "=", count: filled) + (filled < width ? ">" : "") + String(repeating: " ", count: max(0, width - filled - 1))
            FileHandle.standardError.write(Data("\r\u{1B}[2Kepoch \(p.epoch + 1)/\(p.epochs) [\(bar)] \(figures)".utf8))
            drawn = true
        } else {
            let decile = Int(fraction * 10)
            if decile > lastDecile, decile < 10 || p.samplesDone == p.samplesTotal {
                lastDecile = decile
                FileHandle.standardError.write(Data("epoch \(p.epoch + 1)/\(p.epochs): \(figures)\n".utf8))
            }
        }
    }

    /// Ends the bar's line before other output.
    func finishLine() {
        if drawn { FileHandle.standardError.write(Data("\n".utf8)) }
        drawn = false
        lastDecile = -1
    }

    static func duration(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        return s >= 3600 ? "\(s / 3600)h\(s % 3600 / 60)m" : s >= 60 ? "\(s / 60)m\(s % 60)s" : "\(s)s"
    }
}

/// Ctrl-C asks the trainer to stop between samples instead of killing the process mid-write.
enum Interrupt {
    nonisolated(unsafe) static var requested = false

    static func install() {
        signal(SIGINT) { _ in Interrupt.requested = true }
        signal(SIGTERM) { _ in Interrupt.requested = true }
    }
}
