// Loader benchmark (docs/benchmarks.md, "Loader"): time to flash an image and the cost per
// DFU block, (1) in memory: loader + the firmware's DFU and store code, no wire; (2) through
// libusb to a board that is attached (run it under scripts/with-virtual-board.sh for the virtual
// board: libusb + umockdev's usbfs emulation + the same firmware code). Virtual-board MB/s say
// nothing about real hardware.
//
//   hm2bp-loader-bench IMAGE [REPEATS]
import Device
import Foundation
import InMemoryBoard
import NeuroImage

let arguments = CommandLine.arguments
guard arguments.count >= 2, let data = FileManager.default.contents(atPath: arguments[1]) else {
    FileHandle.standardError.write(Data("usage: hm2bp-loader-bench IMAGE [REPEATS]\n".utf8))
    exit(2)
}
let repeats = arguments.count > 2 ? max(1, Int(arguments[2]) ?? 5) : 5
let bytes = Array(data)
let image = try ImageDecoder.decode(bytes)
let targets = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("Targets").path

func measure(_ name: String, board: Board) throws {
    var times: [Double] = []
    for _ in 0..<repeats {
        let report = try Flasher.flash(bytes, image: image, to: board)
        times.append(report.seconds)
    }
    times.sort()
    let median = times[times.count / 2]
    let blocks = (bytes.count + board.dfu.transferSize - 1) / board.dfu.transferSize
    print(String(format: "%@: %d bytes, %d blocks of %d: median %.3f s per flash (download + manifestation + read back), min %.3f, max %.3f; %.1f us per block; %.2f MB/s",
                 name, bytes.count, blocks, board.dfu.transferSize, median, times.first!, times.last!, median / Double(blocks) * 1e6,
                 Double(bytes.count) / median / 1e6))
}

let transport = try InMemoryTransport(target: image.target.name, targetsDirectory: targets)
try measure("in memory (loader + firmware, no wire)", board: try Board(transport))

if let usb = try? LibUSB(), let attached = try? usb.attachedBoards(profiles: BoardProfile.known()), !attached.isEmpty {
    let board = try Board(try usb.open(serial: attached[0].serial, profiles: BoardProfile.known()))
    try measure("through libusb to \(board.info.serial)", board: board)
} else {
    print("no board attached through libusb (run under scripts/with-virtual-board.sh for the virtual board)")
}
