import ArgumentParser
import Device
import Emulator
import Foundation
import Verify

/// `hm2bp verify ... --on-device`: the same samples on a board, traced, against the emulator on
/// every core at every step (docs/loader.md). The float comparison of `verify` runs as always.
enum OnDeviceVerify {
    static func run(imagePath: String, imageBytes: [UInt8], emulator: Emulator, data: EncodedDataset, serial: String?, json: Bool) throws -> BoardEvaluation.VerifyReport {
        try DeviceSession.reporting {
            let board = try DeviceSession.open(serial: serial, usb: try LibUSB())
            try board.requireActive(imageBytes: imageBytes)
            let count = data.count
            let progress = TransferProgress("verify on \(board.info.serial)")
            return try BoardEvaluation.verify(board: board, image: emulator.image, emulator: emulator, count: count, input: { data.input($0) },
                                              progress: { if !json { progress.update($0, of: count, unit: "samples") } })
        }
    }

    /// The `verify --json` document with the board's report under `onDevice` (absent without
    /// --on-device).
    struct Output<Report: Encodable>: Encodable {
        var report: Report
        var onDevice: BoardEvaluation.VerifyReport?

        enum Key: String, CodingKey { case onDevice }
        func encode(to encoder: Encoder) throws {
            try report.encode(to: encoder)
            if let onDevice {
                var container = encoder.container(keyedBy: Key.self)
                try container.encode(onDevice, forKey: .onDevice)
            }
        }
    }
}
