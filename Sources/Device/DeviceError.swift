/// Every way talking to a board can fail, each with its cause, its fix and its own exit status
/// (docs/loader.md, "Exit codes"). The CLI prints `description` and exits with `exitCode`.
public enum DeviceError: Error, Equatable, CustomStringConvertible {
    /// No attached board matches (any hm2bp board, or the serial asked for).
    case noDevice(wanted: String?, present: [String])
    /// The device node cannot be opened by this user.
    case permissionDenied(node: String)
    /// Another process (or a kernel driver) holds the board's interfaces.
    case interfaceBusy(serial: String)
    /// The board went away during an operation.
    case disconnected(during: String)
    /// The board did not answer in time (it NAKs forever or hangs).
    case timeout(during: String, milliseconds: Int)
    /// The board halted an endpoint or stalled a request.
    case stall(during: String, boardError: String?)
    /// A reply that is cut short or fails its checks (magic, CRC32, length, sequence).
    case badReply(during: String, problem: String)
    /// Board and host share no protocol version, or the firmware is too old.
    case unsupportedFirmware(boardRange: ClosedRange<Int>, firmware: String?, host: Int)
    /// The firmware is older than the oldest this host works with.
    case firmwareTooOld(firmware: String, minimum: String)
    /// The image names another board (target name, USB identity or protocol version).
    case wrongTarget(image: String, board: String, detail: String)
    /// The image is larger than the board's image slot.
    case imageTooLarge(bytes: Int, capacity: Int, target: String)
    /// The board verified the image and refused it (DFU status and the firmware's words).
    case refused(dfuStatus: Int, code: Int, reason: String)
    /// The image read back differs from the image sent.
    case readBackMismatch(offset: Int, sent: Int, readBack: Int)
    /// The board's active image is not the image given to `run`/`verify --on-device`.
    case imageNotActive(serial: String, active: String?, wanted: String)
    /// Several boards are attached and none was chosen.
    case severalBoards(serials: [String])
    /// The board answered a command with an error code.
    case commandFailed(command: String, code: Int, text: String)
    /// Interrupted by the user (Ctrl-C) during a transfer.
    case cancelled
    /// libusb itself failed (initialisation, an error with no better name).
    case usb(operation: String, message: String)

    /// The exit status for this failure (docs/loader.md). 4 is the CLI's "environment" code; the
    /// device codes follow it.
    public var exitCode: Int32 {
        switch self {
        case .noDevice: return 4
        case .permissionDenied: return 5
        case .interfaceBusy: return 6
        case .disconnected: return 7
        case .timeout: return 8
        case .stall: return 9
        case .badReply: return 10
        case .unsupportedFirmware, .firmwareTooOld: return 11
        case .wrongTarget: return 12
        case .imageTooLarge: return 13
        case .refused: return 14
        case .readBackMismatch: return 15
        case .imageNotActive: return 16
        case .severalBoards: return 17
        case .commandFailed: return 18
        case .usb: return 19
        case .cancelled: return 130
        }
    }

    public var cause: String {
        switch self {
        case let .noDevice(wanted, present):
            if let wanted {
                return "no hm2bp board with serial \(wanted) is attached" + (present.isEmpty ? "" : " (attached: \(present.joined(separator: ", ")))")
            }
            return "no hm2bp board is attached (looked for the USB ids of every board profile in Targets/)"
        case let .permissionDenied(node):
            return "permission denied opening the board's device node \(node)"
        case let .interfaceBusy(serial):
            return "board \(serial) is in use: another process (or a kernel driver) has claimed its interfaces"
        case let .disconnected(during):
            return "the board was unplugged (or reset) during \(during)"
        case let .timeout(during, milliseconds):
            return "the board did not answer within \(milliseconds) ms during \(during) (it keeps NAKing or hangs)"
        case let .stall(during, boardError):
            return "the board stalled during \(during)" + (boardError.map { " (board says: \($0))" } ?? "")
        case let .badReply(during, problem):
            return "the board's reply to \(during) is broken: \(problem)"
        case let .unsupportedFirmware(range, firmware, host):
            let spoken = range.lowerBound == range.upperBound ? "\(range.lowerBound)" : "\(range.lowerBound) ... \(range.upperBound)"
            return "the board\(firmware.map { " (firmware \($0))" } ?? "") speaks USB protocol \(spoken); this hm2bp speaks \(host)"
        case let .firmwareTooOld(firmware, minimum):
            return "the board runs firmware \(firmware); this hm2bp needs \(minimum) or newer"
        case let .wrongTarget(image, board, detail):
            return "the image was built for \(image), the board is \(board) (\(detail))"
        case let .imageTooLarge(bytes, capacity, target):
            return "the image has \(bytes) bytes; an image slot of \(target) holds \(capacity)"
        case let .refused(status, _, reason):
            return "the board refused the image: \(reason) (DFU status \(DFU.statusName(status)))"
        case let .readBackMismatch(offset, sent, readBack):
            return "the image read back from the board differs from the file at byte \(offset) (\(sent) bytes sent, \(readBack) read back)"
        case let .imageNotActive(serial, active, wanted):
            return "board \(serial) runs image \(active.map { String($0.prefix(16)) } ?? "(none)"), not this one (\(wanted.prefix(16)))"
        case let .severalBoards(serials):
            return "\(serials.count) hm2bp boards are attached (\(serials.joined(separator: ", ")))"
        case let .commandFailed(command, code, text):
            return "the board refused \(command): \(text) (code 0x\(String(code, radix: 16)))"
        case .cancelled:
            return "interrupted"
        case let .usb(operation, message):
            return "libusb failed in \(operation): \(message)"
        }
    }

    public var fix: String {
        switch self {
        case .noDevice(let wanted, _):
            return wanted == nil
                ? "plug the board in (check the cable carries data) and run `hm2bp devices`; without hardware, try `bash scripts/with-virtual-board.sh -- hm2bp devices`"
                : "run `hm2bp devices` and pass one of the serials it lists to --device"
        case .permissionDenied:
            return "install the udev rule: `sudo cp Firmware/udev/70-hm2bp.rules /etc/udev/rules.d/ && sudo udevadm control --reload && sudo udevadm trigger`, then replug the board (and make sure you are in the plugdev group)"
        case .interfaceBusy:
            return "close the other program using the board (another hm2bp, dfu-util, a serial terminal) and try again"
        case .disconnected:
            return "plug the board back in and run the command again; an interrupted flash leaves the previous image active, so `hm2bp flash` can simply be repeated"
        case .timeout:
            return "unplug and replug the board (its firmware may be stuck) and try again; the previous image stays active"
        case .stall:
            return "run the command again (the halt is cleared on the next open); if it keeps stalling, replug the board and check `hm2bp devices`"
        case .badReply:
            return "check the cable and USB hub (try another port) and run the command again"
        case let .unsupportedFirmware(range, _, host):
            return range.upperBound < host
                ? "update the board's firmware (Firmware/README.md) to one that speaks protocol \(host)"
                : "update hm2bp to a version that speaks protocol \(range.lowerBound) or newer"
        case .firmwareTooOld(_, let minimum):
            return "update the board's firmware to \(minimum) or newer (Firmware/README.md)"
        case .wrongTarget(_, let board, _):
            return "compile the model for this board: `hm2bp compile model.hm2bp --target \(board) -o model.img`, or attach the board the image was built for"
        case let .imageTooLarge(_, _, target):
            return "compile a smaller model for \(target) (fewer neurons or weight bits), or use a board with a larger image slot (hm2bp-micro)"
        case .refused:
            return "recompile the image with this hm2bp (`hm2bp compile ... --target <board>`) and flash it again; the board keeps running its previous image"
        case .readBackMismatch:
            return "flash again; if it persists the board's flash is failing"
        case let .imageNotActive(serial, _, _):
            return "flash the image first: `hm2bp flash model.img --device \(serial)`"
        case .severalBoards:
            return "choose one with --device SERIAL"
        case .commandFailed:
            return "run `hm2bp devices` to see the board's state; reflash the image if it shows none"
        case .cancelled:
            return "run the command again; an interrupted flash leaves the previous image active"
        case .usb:
            return "check that libusb can see USB devices here (`hm2bp devices`); in a container, pass the USB bus through"
        }
    }

    public var description: String { "\(cause)\n  fix: \(fix)" }
}
