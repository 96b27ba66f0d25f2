import ArgumentParser
import Device
import Foundation
import HM2BPTrain
import NeuroImage
import SpikeData
import Verify

/// What the board commands (devices, flash, run, verify --on-device) share: opening the chosen
/// board, and turning a `DeviceError` into its message and exit status (docs/loader.md).
enum DeviceSession {
    /// Runs `body`; a device failure becomes "hm2bp: error: cause / fix:" on stderr and its own
    /// exit status.
    static func reporting<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as DeviceError {
            FileHandle.standardError.write(Data("hm2bp: error: \(error.cause)\n  fix: \(error.fix)\n".utf8))
            throw ExitCode(error.exitCode)
        }
    }

    /// Opens the board with `serial` (or the only one) and shakes hands; Ctrl-C cancels a
    /// waiting transfer.
    static func open(serial: String?, usb: LibUSB) throws -> Board {
        let transport = try usb.open(serial: serial, profiles: BoardProfile.known())
        Interrupt.install()
        transport.cancellationRequested = { Interrupt.requested }
        return try Board(transport)
    }
}

/// A board command's `--json` report with the inputs it names (docs/cli.md, "JSON conventions"):
/// `image`, `imageSHA256` (of the file), and for runs `dataset`, `seed`, `limit` (null: all).
struct ReportWithInputs<Report: Encodable>: Encodable {
    var report: Report
    var image: String
    var imageBytes: [UInt8]
    var data: (dataset: String, seed: UInt64, limit: Int?)?

    enum Key: String, CodingKey { case image, imageSHA256, dataset, seed, limit }

    func encode(to encoder: Encoder) throws {
        try report.encode(to: encoder)
        var container = encoder.container(keyedBy: Key.self)
        try container.encode(image, forKey: .image)
        try container.encode(hex(Digest.sha256(imageBytes)), forKey: .imageSHA256)
        if let data {
            try container.encode(data.dataset, forKey: .dataset)
            try container.encode(data.seed, forKey: .seed)
            try container.encode(data.limit, forKey: .limit)
        }
    }

    private func hex(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }
}

/// A progress bar on stderr: redrawn on a terminal, a line per 10% otherwise.
final class TransferProgress {
    private let label: String
    private let isTerminal = isatty(STDERR_FILENO) != 0
    private var lastDecile = -1

    init(_ label: String) { self.label = label }

    func update(_ done: Int, of total: Int, unit: String) {
        let fraction = Double(done) / Double(max(total, 1))
        if isTerminal {
            let width = 30, filled = Int(fraction * Double(width))
            let bar = String(repeating: "=", count: filled) + String(repeating: " ", count: width - filled)
            FileHandle.standardError.write(Data("\r\u{1B}[2K\(label) [\(bar)] \(done)/\(total) \(unit)\(done == total ? "\n" : "")".utf8))
        } else {
            let decile = Int(fraction * 10)
            guard decile > lastDecile else { return }
            lastDecile = decile
            FileHandle.standardError.write(Data("\(label): \(done)/\(total) \(unit)\n".utf8))
        }
    }
}
