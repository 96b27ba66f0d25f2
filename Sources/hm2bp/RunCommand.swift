import ArgumentParser
import Device
import Emulator
import Foundation
import SpikeData

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run test images on a board: accuracy, samples/s and agreement with the emulator.",
        discussion: "The board's active image must be this image (flash it first). Exit codes: docs/loader.md.")

    @Argument(help: "The image file the board runs (as flashed).") var image: String
    @Option(help: "Data set: mnist or fashion-mnist.") var dataset: DatasetName = .mnist
    @Option(help: "Run only the first N test images.") var limit: Int?
    @Option(help: "Seed of the test spike encoding (as `hm2bp emulate`).") var seed: UInt64 = 1
    @Option(help: "Serial number of the board (see `hm2bp devices`); needed when several are attached.") var device: String?
    @Flag(help: "Print JSON instead of text (docs/loader.md).") var json = false

    func validate() throws {
        if let limit, limit < 1 { throw ValidationError("--limit must be at least 1 (got \(limit))") }
    }

    func run() throws {
        let (bytes, decoded) = try DeviceSession.image(image)
        let data = try DeviceSession.testSet(dataset, limit: limit, timeSteps: decoded.timeSteps, seed: seed)
        let emulator = Emulator(image: decoded)
        try DeviceSession.reporting {
            let board = try DeviceSession.open(serial: device, usb: try LibUSB())
            try board.requireActive(imageBytes: bytes)
            let progress = TransferProgress("run on \(board.info.serial)")
            let count = data.images.count
            let summary = try BoardEvaluation.run(board: board, image: decoded, emulator: emulator, count: count,
                                                  label: { Int(data.images.labels[$0]) }, input: { data.input($0) },
                                                  progress: { if !json { progress.update($0, of: count, unit: "samples") } })
            print(json ? try CommandOutput.json(ReportWithInputs(report: summary, image: image, imageBytes: bytes,
                                                                   data: (dataset.rawValue, seed, limit))) : summary.text)
        }
    }
}
