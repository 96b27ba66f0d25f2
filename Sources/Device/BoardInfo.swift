/// The `INFO` reply (docs/usb-protocol.md): who the board is and which image it runs.
public struct BoardInfo: Sendable, Equatable, Codable {
    public static let payloadBytes = 184

    public var protocolVersion: Int
    public var minProtocolVersion: Int
    public var firmwareVersion: UInt32
    public var maxPayload: Int
    public var targetName: String
    public var serial: String
    public var usbVendorId: Int
    public var usbProductId: Int
    public var slotBytes: Int
    /// 0 = A, 1 = B, nil = no image.
    public var activeSlot: Int?
    public var activeImageBytes: Int
    /// The active image's own trailing SHA-256 (hex); nil without an image.
    public var activeImageSHA256: String?
    public var timeSteps: Int
    public var inputCount: Int
    public var outputCount: Int
    public var coreCount: Int
    public var layerCount: Int
    public var inputBytesPerStep: Int
    public var traceBytesPerStep: Int

    public var firmwareVersionText: String {
        "\(firmwareVersion >> 16).\((firmwareVersion >> 8) & 0xFF).\(firmwareVersion & 0xFF)"
    }

    public var activeSlotName: String { activeSlot.map { $0 == 0 ? "A" : "B" } ?? "none" }

    /// Parses the payload; a failure names the field that is out of range.
    public static func decode(_ p: [UInt8]) -> Result<BoardInfo, InfoProblem> {
        guard p.count == payloadBytes else { return .failure(InfoProblem("INFO payload has \(p.count) bytes, not \(payloadBytes)")) }
        func text(_ range: Range<Int>) -> String? {
            let bytes = p[range].prefix { $0 != 0 }
            guard bytes.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) else { return nil }
            return String(decoding: bytes, as: UTF8.self)
        }
        guard let target = text(12..<76), let serial = text(76..<108) else { return .failure(InfoProblem("INFO target name or serial is not printable ASCII")) }
        let slot = p[116]
        guard slot <= 1 || slot == 0xFF else { return .failure(InfoProblem("INFO activeSlot \(slot) is not 0, 1 or 0xFF")) }
        let hasImage = slot != 0xFF
        let digest = p[124..<156]
        let info = BoardInfo(
            protocolVersion: Int(p.u16(at: 0)), minProtocolVersion: Int(p.u16(at: 2)), firmwareVersion: p.u32(at: 4),
            maxPayload: Int(p.u32(at: 8)), targetName: target, serial: serial,
            usbVendorId: Int(p.u16(at: 108)), usbProductId: Int(p.u16(at: 110)), slotBytes: Int(p.u32(at: 112)),
            activeSlot: hasImage ? Int(slot) : nil, activeImageBytes: Int(p.u32(at: 120)),
            activeImageSHA256: hasImage ? hex(digest) : nil,
            timeSteps: Int(p.u32(at: 156)), inputCount: Int(p.u32(at: 160)), outputCount: Int(p.u32(at: 164)),
            coreCount: Int(p.u32(at: 168)), layerCount: Int(p.u32(at: 172)),
            inputBytesPerStep: Int(p.u32(at: 176)), traceBytesPerStep: Int(p.u32(at: 180)))
        guard info.minProtocolVersion <= info.protocolVersion else { return .failure(InfoProblem("INFO protocol range \(info.minProtocolVersion) ... \(info.protocolVersion) is empty")) }
        if hasImage {
            guard info.inputBytesPerStep == (info.inputCount + 7) / 8, info.timeSteps > 0, info.coreCount > 0 else {
                return .failure(InfoProblem("INFO image fields are inconsistent (inputBytesPerStep \(info.inputBytesPerStep) for \(info.inputCount) inputs)"))
            }
        }
        return .success(info)
    }
}

/// Why an INFO payload was refused.
public struct InfoProblem: Error, Equatable, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}

func hex<C: Collection>(_ bytes: C) -> String where C.Element == UInt8 {
    bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
}

/// The `STATUS` reply (28 bytes).
public struct BoardStatus: Sendable, Equatable {
    public var state: Int
    public var activeSlot: Int
    public var dfuState: Int
    public var dfuStatus: Int
    public var lastError: Int
    public var lastErrorSequence: Int
    public var framesAccepted: Int
    public var framesRejected: Int
    public var runsCompleted: Int
    public var nextStep: Int
    public var timeSteps: Int

    static func decode(_ p: [UInt8]) -> BoardStatus? {
        guard p.count == 28 else { return nil }
        return BoardStatus(state: Int(p[0]), activeSlot: Int(p[1]), dfuState: Int(p[2]), dfuStatus: Int(p[3]),
                           lastError: Int(p.u16(at: 4)), lastErrorSequence: Int(p.u16(at: 6)),
                           framesAccepted: Int(p.u32(at: 8)), framesRejected: Int(p.u32(at: 12)), runsCompleted: Int(p.u32(at: 16)),
                           nextStep: Int(p.u32(at: 20)), timeSteps: Int(p.u32(at: 24)))
    }
}
