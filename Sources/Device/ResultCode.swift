/// The board's result codes (docs/usb-protocol.md, "Result codes"; Firmware/core/status.h), in
/// words for messages. A code this table does not know is shown by number.
public enum ResultCode {
    public static let ok = 0x0000
    public static let unsupportedVersion = 0x0102
    public static let noImage = 0x0201

    static let names: [Int: String] = [
        0x0101: "frame: bad magic", 0x0102: "frame: unsupported protocol version", 0x0103: "frame: payload too large",
        0x0104: "frame: bad CRC32", 0x0105: "frame: unknown command", 0x0106: "frame: wrong payload length",
        0x0107: "frame: bytes past the frame's end",
        0x0201: "no valid image is active", 0x0202: "bad argument", 0x0203: "no run in progress", 0x0204: "step out of order",
        0x0205: "reply too large", 0x0206: "run incomplete", 0x0207: "busy: a DFU download is in progress",
        0x0301: "image: truncated", 0x0302: "image: bad magic", 0x0303: "image: unsupported format version",
        0x0304: "image: bad SHA-256", 0x0305: "image: bad section count", 0x0306: "image: bad section tag",
        0x0307: "image: bad section length", 0x0308: "image: bad section CRC32", 0x0309: "image: bad HEAD",
        0x030A: "image: bad TRGT", 0x030B: "image: bad NEUR", 0x030C: "image: bad SYNS", 0x030D: "image: bad ROUT",
        0x030E: "image: bad IMAP", 0x030F: "image: bad OMAP", 0x0310: "image: bad META",
        0x0311: "image: section not consumed", 0x0312: "image: trailing bytes", 0x0313: "image: layer chain",
        0x0314: "image: core tiling", 0x0315: "image: route target", 0x0316: "image: output cover",
        0x0320: "image: wrong target", 0x0321: "image: wrong USB id", 0x0322: "image: wrong protocol version",
        0x0323: "image: too large", 0x0324: "image: exceeds the board's engine",
        0x0325: "image: bad layer geometry (convolution or pooling)", 0x0326: "image: bad core tile or window",
        0x0401: "store: no session", 0x0402: "store: incomplete image", 0x0403: "store: erase failed",
        0x0404: "store: program failed", 0x0405: "store: verify failed", 0x0406: "store: no image",
        0x0501: "DFU: bad block", 0x0502: "DFU: request not allowed in this state",
    ]

    public static func text(_ code: Int) -> String {
        names[code] ?? "result code 0x" + String(code, radix: 16)
    }
}
