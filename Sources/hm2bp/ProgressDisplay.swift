import Foundation
import HM2BPTrain

/// Training progress: a redrawn bar when stderr is a terminal, plain lines (every 10%) otherwise
/// so logs stay readable. The bar line never exceeds the terminal's width (a wrapped line is not
/// redrawn in place but stacks up), and once the training pass is done it says the test pass is
/// running rather than showing "ETA 0s" for as long as that takes.
final class ProgressDisplay {
    private let isTerminal = isatty(STDERR_FILENO) != 0
    private var lastDecile = -1
    private var drawn = false
    private var lastDraw = Date.distantPast

    func update(_ p: Trainer.Progress) {
        let fraction = Double(p.samplesDone) / Double(max(1, p.samplesTotal))
        if isTerminal {
            // Redraw at most ten times a second: a terminal is slower than the trainer.
            guard p.samplesDone == p.samplesTotal || Date().timeIntervalSince(lastDraw) >= 0.1 else { return }
            lastDraw = Date()
            FileHandle.standardError.write(Data(("\r\u{1B}[2K" + Self.line(p, fraction: fraction, width: Self.terminalWidth())).utf8))
            drawn = true
        } else {
            let decile = Int(fraction * 10)
            if decile > lastDecile, decile < 10 || p.samplesDone == p.samplesTotal {
                lastDecile = decile
                FileHandle.standardError.write(Data("epoch \(p.epoch + 1)/\(p.epochs): \(Self.figures(p))\n".utf8))
            }
        }
    }

    /// "1234/60000 830/s acc 93.1% ETA 1m12s", or "... testing" once the training pass is done.
    static func figures(_ p: Trainer.Progress) -> String {
        let eta = Double(p.samplesTotal - p.samplesDone) / max(p.samplesPerSecond, 1e-9)
        let tail = p.samplesDone >= p.samplesTotal ? "testing..." : "ETA " + duration(eta)
        return String(format: "%d/%d %.0f/s acc %.1f%% %@", p.samplesDone, p.samplesTotal, p.samplesPerSecond, p.runningAccuracy * 100, tail)
    }

    /// The bar line within `width` columns: the bar shrinks first, then the line is cut.
    static func line(_ p: Trainer.Progress, fraction: Double, width: Int) -> String {
        let prefix = "epoch \(p.epoch + 1)/\(p.epochs) ", text = figures(p)
        let room = width - 1 - prefix.count - text.count - 3
        let barWidth = min(30, room)
        guard barWidth >= 5 else { return String((prefix + text).prefix(max(0, width - 1))) }
        let filled = min(barWidth, Int(fraction * Double(barWidth)))
        let bar = String(repeating: "=", count: filled) + (filled < barWidth ? ">" : "") + String(repeating: " ", count: max(0, barWidth - filled - 1))
        return prefix + "[" + bar + "] " + text
    }

    /// Columns of the terminal on stderr (80 when it cannot be asked).
    static func terminalWidth() -> Int {
        var size = winsize()
        guard ioctl(STDERR_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 else { return 80 }
        return Int(size.ws_col)
    }

    /// Ends the bar's line before other output.
    func finishLine() {
        if drawn { FileHandle.standardError.write(Data("\n".utf8)) }
        drawn = false
        lastDecile = -1
    }

    static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite, seconds < 1e7 else { return "?" }
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
