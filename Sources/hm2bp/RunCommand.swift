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
    @OptionGroup var data: DataOptions
    @Option(parsing: .unconditional, help: "Run only the first N test images.") var limit: Int?
    @Option(help: "Serial number of the board (see `hm2bp devices`); needed when several are attached.") var device: String?
    @Flag(help: "Print JSON instead of text (docs/loader.md).") var json = false

    func run() throws {
        try OptionCheck.count(limit, flag: "--limit")
        let loaded = try ImageLoading.load(image)
        let (bytes, decoded, emulator) = (loaded.bytes, loaded.emulator.image, loaded.emulator)
        // The data set and seed the image records, as `hm2bp emulate` uses them (docs/cli.md).
        let (dataset, seed) = try data.resolve(recorded: RecordedData(image: loaded.report, path: image))
        let testSet = try ImageLoading.testSet(dataset, from: data.source, limit: limit, timeSteps: decoded.timeSteps, seed: seed)
        try DeviceSession.reporting {
            let board = try DeviceSession.open(serial: device, usb: try LibUSB())
            try board.requireActive(imageBytes: bytes)
            let progress = TransferProgress("run on \(board.info.serial)")
            let count = testSet.count
            let summary = try BoardEvaluation.run(board: board, image: decoded, emulator: emulator, count: count,
                                                  label: { Int(testSet.labels[$0]) }, input: { testSet.input($0) },
                                                  progress: { if !json { progress.update($0, of: count, unit: "samples") } })
            print(json ? try CommandOutput.json(ReportWithInputs(report: summary, image: image, imageBytes: bytes,
                                                                   data: (dataset.rawValue, seed, limit))) : summary.text)
        }
    }
}
