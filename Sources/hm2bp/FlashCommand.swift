import ArgumentParser
import Device
import Foundation

struct FlashCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "flash",
        abstract: "Write an image to a board over USB DFU, read it back, compare, and show the new active image.",
        discussion: """
        Refuses an image built for another board, another USB protocol or larger than the board's image slot before \
        sending a byte. The board keeps its previous image until the new one has verified completely, so an interrupted \
        flash can simply be run again. Exit codes: docs/loader.md.
        """)

    @Argument(help: "The image file written by `hm2bp compile --target <board>`.") var image: String
    @Option(help: "Serial number of the board (see `hm2bp devices`); needed when several are attached.") var device: String?
    @Flag(help: "Print JSON instead of text (docs/loader.md).") var json = false

    func run() throws {
        let loaded = try ImageLoading.load(image)
        let (bytes, decoded) = (loaded.bytes, loaded.emulator.image)
        try DeviceSession.reporting {
            let board = try DeviceSession.open(serial: device, usb: try LibUSB())
            let progress = TransferProgress("flash \(board.info.serial)")
            let report = try Flasher.flash(bytes, image: decoded, to: board) { sent, total in
                if !json { progress.update(sent, of: total, unit: "bytes") }
            }
            print(json ? try CommandOutput.json(ReportWithInputs(report: report, image: image, imageBytes: bytes)) : report.text)
        }
    }
}
