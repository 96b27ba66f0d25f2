import ArgumentParser
import Device
import Foundation

struct DevicesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "devices",
        abstract: "List attached hm2bp boards: bus/address, serial, target, firmware and protocol versions, active image.",
        discussion: "Exit status 0 when every board could be asked, else the code of the first failure (docs/loader.md); 4 when none is attached.")

    @Flag(help: "Print JSON instead of text (docs/loader.md).") var json = false

    struct Entry: Codable {
        var bus: Int
        var address: Int
        var node: String
        var vendorId: String
        var productId: String
        var target: String
        var serial: String?
        var firmwareVersion: String?
        var protocolVersion: Int?
        var minProtocolVersion: Int?
        var activeSlot: String?
        var activeImageBytes: Int?
        var activeImageSHA256: String?
        var slotBytes: Int?
        var error: String?
        var fix: String?
    }

    func run() throws {
        try DeviceSession.reporting {
            let usb = try LibUSB()
            let profiles = BoardProfile.known()
            var entries: [Entry] = []
            var firstError: DeviceError?
            for attached in try usb.attachedBoards(profiles: profiles) {
                var entry = Entry(bus: attached.bus, address: attached.address, node: attached.node,
                                  vendorId: String(format: "%04x", attached.vendorId), productId: String(format: "%04x", attached.productId),
                                  target: attached.profile.name, serial: attached.serial)
                do {
                    guard let serial = attached.serial else { throw attached.openError ?? DeviceError.noDevice(wanted: nil, present: []) }
                    let board = try DeviceSession.open(serial: serial, usb: usb)
                    let info = board.info
                    entry.target = info.targetName
                    entry.firmwareVersion = info.firmwareVersionText
                    entry.protocolVersion = info.protocolVersion
                    entry.minProtocolVersion = info.minProtocolVersion
                    entry.activeSlot = info.activeSlotName
                    entry.activeImageBytes = info.activeImageBytes
                    entry.activeImageSHA256 = info.activeImageSHA256
                    entry.slotBytes = info.slotBytes
                } catch let error as DeviceError {
                    entry.error = error.cause
                    entry.fix = error.fix
                    firstError = firstError ?? error
                }
                entries.append(entry)
            }
            if json {
                print(try CommandOutput.json(["boards": entries]))
            } else if entries.isEmpty {
                print("no hm2bp board attached")
            } else {
                for e in entries { print(Self.text(e)) }
            }
            if entries.isEmpty { throw DeviceError.noDevice(wanted: nil, present: []) }
            // Each failure is already shown next to its board.
            if let firstError { throw ExitCode(firstError.exitCode) }
        }
    }

    static func text(_ e: Entry) -> String {
        var line = "bus \(e.bus) address \(e.address)  \(e.vendorId):\(e.productId)  \(e.target)  serial \(e.serial ?? "?")"
        if let error = e.error { return line + "\n    cannot ask it: \(error)\n    fix: \(e.fix ?? "")" }
        line += "\n    firmware \(e.firmwareVersion ?? "?"), protocol \(e.minProtocolVersion ?? 0) ... \(e.protocolVersion ?? 0), slot of \(e.slotBytes ?? 0) bytes"
        if let sha = e.activeImageSHA256 {
            line += "\n    active image: slot \(e.activeSlot ?? "?"), \(e.activeImageBytes ?? 0) bytes, SHA-256 \(sha)"
        } else {
            line += "\n    active image: none (flash one with `hm2bp flash model.img --device \(e.serial ?? "SERIAL")`)"
        }
        return line
    }
}
