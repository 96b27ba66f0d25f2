import Crypto
import Foundation

/// Reads the byte layout of docs/image-format.md into a validated `NeuroImage`.
///
/// Shared by the emulator and the USB loader, so it treats every byte as hostile: all reads are
/// bounds-checked, no count is trusted before it is compared with the bytes that remain, and any
/// inconsistency is an `ImageError` naming the section (never a trap).
public enum ImageDecoder {
    /// Largest header counts accepted; they bound allocations independently of the file size.
    static let maximumLayers = 1 << 12
    static let maximumCores = 1 << 16
    /// Largest T accepted (the model format's limit): every run allocates per step, so T from a
    /// hostile header must not decide how much memory a run takes.
    public static let maximumTimeSteps = 1 << 20
    /// Largest T times all neurons (inputs included), as in the model format.
    public static let maximumNeuronSteps = 1 << 27

    public static func decode(path: String) throws -> NeuroImage {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ImageError(section: "file", reason: "\(path): cannot read (missing or unreadable)")
        }
        return try decode(Array(data))
    }

    public static func decode(_ bytes: [UInt8]) throws -> NeuroImage {
        let (version, payloads) = try framing(bytes)
        var head = ByteReader(payloads[0], section: "HEAD")
        let inputCount = try head.int("inputCount"), outputCount = try head.int("outputCount")
        let timeSteps = try head.int("timeSteps"), layerCount = try head.int("layerCount"), coreCount = try head.int("coreCount")
        try finish(head)
        guard (1...maximumLayers).contains(layerCount) else { throw head.fail("layerCount \(layerCount) is outside 1 ... \(maximumLayers)") }
        guard (1...maximumCores).contains(coreCount) else { throw head.fail("coreCount \(coreCount) is outside 1 ... \(maximumCores)") }
        guard (1...maximumTimeSteps).contains(timeSteps) else { throw head.fail("timeSteps \(timeSteps) is outside 1 ... 2^20") }

        var targetReader = ByteReader(payloads[1], section: "TRGT")
        let target = try readTarget(&targetReader)
        try finish(targetReader)

        var neuronReader = ByteReader(payloads[2], section: "NEUR")
        var layers: [ImageLayer] = []
        for index in 0..<layerCount { layers.append(try ImageSectionReaders.layer(&neuronReader, index: index, version: version)) }
        try finish(neuronReader)
        // Runs allocate per neuron and step (traces, states): bound the product, as the model format does.
        let neurons = layers.reduce(inputCount) { $0 + $1.neuronCount }
        let (neuronSteps, overflow) = neurons.multipliedReportingOverflow(by: timeSteps)
        guard !overflow, neuronSteps <= maximumNeuronSteps else {
            throw ImageError(section: "HEAD", reason: "timeSteps \(timeSteps) x \(neurons) neurons exceeds 2^27 neuron-steps per sample")
        }

        var synapseReader = ByteReader(payloads[3], section: "SYNS")
        var cores: [ImageCore] = []
        for index in 0..<coreCount { cores.append(try ImageSectionReaders.core(&synapseReader, index: index, layers: layers)) }
        try finish(synapseReader)

        var routeReader = ByteReader(payloads[4], section: "ROUT")
        var routes: [RoutingTable] = []
        for index in 0..<coreCount { routes.append(try ImageSectionReaders.table(&routeReader, name: "core \(index) table")) }
        try finish(routeReader)

        var inputReader = ByteReader(payloads[5], section: "IMAP")
        let inputMap = try ImageSectionReaders.table(&inputReader, name: "input map")
        try finish(inputReader)

        var outputReader = ByteReader(payloads[6], section: "OMAP")
        let outputEntries = try outputReader.count("entry count", itemBytes: 16)
        var outputMap: [OutputMapEntry] = []
        for _ in 0..<outputEntries {
            outputMap.append(OutputMapEntry(core: try outputReader.int("core"), firstNeuron: try outputReader.int("firstNeuron"),
                                            count: try outputReader.int("count"), firstOutput: try outputReader.int("firstOutput")))
        }
        try finish(outputReader)

        var metaReader = ByteReader(payloads[7], section: "META")
        let metadata = ImageMetadata(modelSHA256: Array(try metaReader.take(32, "modelSHA256")), architecture: try metaReader.string("architecture"),
                                     createdBy: try metaReader.string("createdBy"), reportJSON: try metaReader.string("report"))
        try finish(metaReader)

        let image = NeuroImage(inputCount: inputCount, outputCount: outputCount, timeSteps: timeSteps, target: target, layers: layers,
                               cores: cores, routes: routes, inputMap: inputMap, outputMap: outputMap, metadata: metadata)
        try ImageValidation.check(image)
        return image
    }

    /// Checks the framing (magic, version, tags, lengths, CRC32s, SHA-256) and returns the payloads.
    public static func sections(_ bytes: [UInt8]) throws -> [ArraySlice<UInt8>] { try framing(bytes).payloads }

    static func framing(_ bytes: [UInt8]) throws -> (version: UInt32, payloads: [ArraySlice<UInt8>]) {
        var reader = ByteReader(bytes[...], section: "file")
        guard bytes.count >= ImageEncoder.magic.count + 8 + 32 else {
            throw reader.fail("truncated: \(bytes.count) bytes is shorter than the smallest image")
        }
        let magic = Array(try reader.take(8, "magic"))
        guard magic == ImageEncoder.magic else {
            if magic == Array("HM2BPMDL".utf8) {
                throw reader.fail("this is an hm2bp model file (.hm2bp), not a compiled image; compile it first (hm2bp compile MODEL -o IMAGE), or give it as verify's first argument")
            }
            if magic == Array("HM2BPCKP".utf8) { throw reader.fail("this is an hm2bp training checkpoint, not a compiled image") }
            throw reader.fail("not an hm2bp image (bad magic; expected \"HM2BPIMG\")")
        }
        let version = try reader.u32("version")
        guard (1...NeuroImage.formatVersion).contains(version) else {
            throw reader.fail(version > NeuroImage.formatVersion
                ? "format version \(version) is newer than this hm2bp understands (\(NeuroImage.formatVersion)); upgrade hm2bp"
                : "unknown format version \(version)")
        }
        let digestStart = bytes.count - 32
        guard Array(SHA256.hash(data: bytes[0..<digestStart])) == Array(bytes[digestStart...]) else {
            throw reader.fail("SHA-256 mismatch: the image was truncated or modified")
        }
        let count = try reader.int("section count")
        guard count == ImageEncoder.sectionTags.count else {
            throw reader.fail("has \(count) sections; version \(version) has exactly \(ImageEncoder.sectionTags.count)")
        }
        var body = ByteReader(bytes[reader.offset..<digestStart], section: "file")
        var payloads: [ArraySlice<UInt8>] = []
        for tag in ImageEncoder.sectionTags {
            let found = try body.take(4, "section tag")
            guard Array(found) == Array(tag.utf8) else {
                throw body.fail("expected section \(tag), found \(String(decoding: found, as: UTF8.self).debugDescription)")
            }
            let length = try body.int("\(tag) length")
            let payload = try body.take(length, "\(tag) payload")
            let crc = try body.u32("\(tag) CRC32")
            guard ImageEncoder.crc32(of: payload) == crc else {
                throw ImageError(section: tag, reason: "CRC32 mismatch: the section is damaged")
            }
            payloads.append(payload)
        }
        guard body.isAtEnd else { throw body.fail("\(body.remaining) unexpected bytes after the last section") }
        return (version, payloads)
    }

    private static func readTarget(_ reader: inout ByteReader) throws -> TargetIdentity {
        let name = try reader.string("name")
        let kindCode = try reader.u8("kind")
        guard let kind = TargetIdentity.Kind(rawValue: UInt8(kindCode)) else { throw reader.fail("kind \(kindCode) is neither 0 (emulator) nor 1 (board)") }
        return TargetIdentity(name: name, kind: kind, descriptionSHA256: Array(try reader.take(32, "descriptionSHA256")),
                              usbVendorId: try reader.u16("usbVendorId"), usbProductId: try reader.u16("usbProductId"),
                              protocolVersion: try reader.u16("protocolVersion"))
    }

    private static func finish(_ reader: ByteReader) throws {
        guard reader.isAtEnd else { throw reader.fail("\(reader.remaining) unexpected bytes at the end of the section") }
    }
}
