import SystemZlib
import Foundation
import StrictJSON

/// Reads and writes the `.hm2bp` model file (layout: docs/model-format.md).
///
/// Layout: magic "HM2BPMDL", u32 version, u32 header length H, H bytes of UTF-8 JSON, the
/// float32 weights of every layer (fully connected: pre-major; convolution: kernel, channel,
/// row, column; pooling: none), little-endian, then a u32 CRC32 of all bytes before it. Every
/// length is checked against the file size before anything is allocated.
///
/// Version 2 added convolution and pooling layers. A fully connected network is still written
/// as version 1, byte for byte as before, so older readers keep reading it; a network with a
/// spatial front is written as version 2. Both versions are read.
public enum ModelFile {
    public static let magic = Array("HM2BPMDL".utf8)
    /// The newest version this code reads and writes.
    public static let currentVersion: UInt32 = 2
    static let denseOnlyVersion: UInt32 = 1
    /// Larger headers are not produced by any writer; refuse them before reading.
    static let maximumHeaderBytes = 16 << 20
    /// Thresholds, lateral inhibition and |weights| stay within these (docs/model-format.md), so
    /// every later step (fixed-point scales, membrane sums) stays finite.
    public static let minimumThreshold: Float = 1.0 / 1_048_576
    public static let maximumMagnitude: Float = 1_048_576

    struct Header: Codable {
        struct Layer: Codable {
            /// "dense", "convolution" or "pooling"; absent in version 1 (all dense).
            var kind: String?
            var inputs: Int
            var outputs: Int
            var threshold: Float
            var lateralInhibition: Float
            /// Convolution and pooling: the input maps.
            var inputShape: FeatureMapShape?
            /// Convolution: kernel count and side.
            var kernels: Int?
            var kernelSize: Int?
            /// Pooling: window side (= stride).
            var poolSize: Int?
        }
        var architecture: String
        var constants: NeuronConstants
        var layers: [Layer]
        var provenance: Provenance
    }

    static func headerLayers(_ network: Network) -> [Header.Layer] {
        let spatial = network.spatialLayers.map { layer -> Header.Layer in
            switch layer {
            case .convolution(let conv):
                return .init(kind: "convolution", inputs: conv.input.count, outputs: conv.output.count, threshold: conv.threshold,
                             lateralInhibition: 0, inputShape: conv.input, kernels: conv.kernelCount, kernelSize: conv.kernelSize)
            case .pooling(let pool):
                return .init(kind: "pooling", inputs: pool.input.count, outputs: pool.output.count, threshold: pool.threshold,
                             lateralInhibition: 0, inputShape: pool.input, poolSize: pool.size)
            }
        }
        let kind: String? = network.spatialLayers.isEmpty ? nil : "dense"
        return spatial + network.layers.map {
            .init(kind: kind, inputs: $0.inputCount, outputs: $0.outputCount, threshold: $0.threshold, lateralInhibition: $0.lateralInhibition)
        }
    }

    public static func encode(_ model: Model) throws -> [UInt8] {
        let header = Header(
            architecture: model.network.architectureName,
            constants: model.network.constants,
            layers: headerLayers(model.network),
            provenance: model.provenance)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let json = Array(try encoder.encode(header))
        var bytes = magic
        bytes.reserveCapacity(16 + json.count + model.network.synapseCount * 4 + 4)
        appendLittleEndian(model.network.spatialLayers.isEmpty ? denseOnlyVersion : currentVersion, to: &bytes)
        appendLittleEndian(UInt32(json.count), to: &bytes)
        bytes += json
        for case .convolution(let conv) in model.network.spatialLayers {
            for w in conv.weights { appendLittleEndian(w.bitPattern, to: &bytes) }
        }
        for layer in model.network.layers {
            for w in layer.weights { appendLittleEndian(w.bitPattern, to: &bytes) }
        }
        appendLittleEndian(crc32Of(bytes[...]), to: &bytes)
        return bytes
    }

    /// Decodes a model; `path` only names the file in errors.
    public static func decode(_ bytes: [UInt8], path: String = "model") throws -> Model {
        func fail(_ reason: String) -> ModelError { .invalidFile(path: path, reason: reason) }
        guard bytes.count >= magic.count + 12 else {
            throw fail("truncated: \(bytes.count) bytes is shorter than the smallest model file")
        }
        guard Array(bytes[0..<magic.count]) == magic else {
            throw fail(FileKind.misnamed(bytes, expected: "an hm2bp model file (.hm2bp)", magic: "HM2BPMDL"))
        }
        let version = readLittleEndian(bytes, at: 8)
        guard version == denseOnlyVersion || version == currentVersion else {
            if version > currentVersion {
                throw fail("model format version \(version) is newer than this hm2bp understands (\(currentVersion)); upgrade hm2bp")
            }
            throw fail("unknown model format version \(version)")
        }
        let headerLength = Int(readLittleEndian(bytes, at: 12))
        guard headerLength <= maximumHeaderBytes, 16 + headerLength + 4 <= bytes.count else {
            throw fail("truncated or damaged: header length \(headerLength) does not fit in \(bytes.count) bytes")
        }
        let storedCRC = readLittleEndian(bytes, at: bytes.count - 4)
        guard crc32Of(bytes[0..<(bytes.count - 4)]) == storedCRC else {
            throw fail("damaged: CRC32 mismatch (the file was truncated or modified)")
        }
        let header: Header
        do {
            header = try StrictJSON.decode(Header.self, from: Array(bytes[16..<(16 + headerLength)]))
        } catch let error as JSONFieldError {
            throw fail("header \(error)")
        }
        if let problem = header.constants.firstProblem() { throw fail("field constants: \(problem)") }
        guard !header.layers.isEmpty else { throw fail("field layers: a model needs at least one layer") }
        if let encoder = header.provenance.encoder, !Provenance.knownEncoders.contains(encoder) {
            throw fail("field provenance.encoder: '\(encoder)' is not an encoder this hm2bp knows (\(Provenance.knownEncoders.joined(separator: ", ")))")
        }
        var expectedWeights = 0
        var spatialCount = 0
        for (index, layer) in header.layers.enumerated() {
            let field = "field layers[\(index)]"
            guard layer.inputs > 0, layer.outputs > 0, layer.inputs <= Network.maximumWidth, layer.outputs <= Network.maximumWidth else {
                throw fail("\(field): sizes \(layer.inputs)x\(layer.outputs) are outside 1 ... 2^24")
            }
            if index > 0, layer.inputs != header.layers[index - 1].outputs {
                throw fail("\(field).inputs: \(layer.inputs) does not match the previous layer's \(header.layers[index - 1].outputs) outputs")
            }
            guard layer.threshold.isFinite, layer.threshold >= minimumThreshold, layer.threshold <= maximumMagnitude else {
                throw fail("\(field).threshold: must be in 2^-20 ... 2^20 (got \(layer.threshold))")
            }
            guard layer.lateralInhibition.isFinite, layer.lateralInhibition >= 0, layer.lateralInhibition <= maximumMagnitude else {
                throw fail("\(field).lateralInhibition: must be in 0 ... 2^20 (got \(layer.lateralInhibition))")
            }
            let kind = layer.kind ?? "dense"
            if version == denseOnlyVersion, layer.kind != nil {
                throw fail("\(field).kind: version 1 files hold fully connected layers only")
            }
            if version == currentVersion, layer.kind == nil { throw fail("\(field).kind: missing (dense, convolution or pooling)") }
            switch kind {
            case "dense":
                let (product, overflow) = layer.inputs.multipliedReportingOverflow(by: layer.outputs)
                guard !overflow, product <= bytes.count else { throw fail("\(field): more weights than the file holds") }
                expectedWeights += product
            case "convolution", "pooling":
                guard spatialCount == index else { throw fail("\(field).kind: \(kind) after a fully connected layer") }
                spatialCount += 1
                try checkSpatial(layer, kind: kind, field: field, fail: fail)
                expectedWeights += (layer.kernels ?? 0) * (layer.inputShape?.channels ?? 0) * (layer.kernelSize ?? 0) * (layer.kernelSize ?? 0)
            default:
                throw fail("\(field).kind: '\(kind)' is not dense, convolution or pooling")
            }
            guard expectedWeights <= Network.maximumWeights else { throw fail("field layers: more than 2^28 weights in all") }
        }
        let neurons = header.layers[0].inputs + header.layers.reduce(0) { $0 + $1.outputs }
        if let problem = NeuronConstants.neuronStepsProblem(timeSteps: header.constants.timeSteps, neurons: neurons) {
            throw fail("field constants.timeSteps: \(problem)")
        }
        guard spatialCount < header.layers.count else { throw fail("field layers: the last layer must be fully connected") }
        guard 16 + headerLength + expectedWeights * 4 + 4 == bytes.count else {
            throw fail("size mismatch: header declares \(expectedWeights) weights (\(16 + headerLength + expectedWeights * 4 + 4) bytes) but the file has \(bytes.count) bytes")
        }
        var offset = 16 + headerLength
        func readWeights(_ count: Int, layer index: Int) throws -> [Float] {
            var weights = [Float](repeating: 0, count: count)
            for k in 0..<count {
                weights[k] = Float(bitPattern: readLittleEndian(bytes, at: offset + 4 * k))
                guard weights[k].isFinite, abs(weights[k]) <= maximumMagnitude else {
                    throw fail("layer \(index): weight \(k) is \(weights[k]), outside -2^20 ... 2^20")
                }
            }
            offset += 4 * count
            return weights
        }
        var spatial: [SpatialLayer] = []
        var layers: [DenseLayer] = []
        for (index, spec) in header.layers.enumerated() {
            switch spec.kind ?? "dense" {
            case "convolution":
                let shape = spec.inputShape!, size = spec.kernelSize!
                let weights = try readWeights(spec.kernels! * shape.channels * size * size, layer: index)
                spatial.append(.convolution(ConvolutionLayer(input: shape, kernelCount: spec.kernels!, kernelSize: size,
                                                             threshold: spec.threshold, weights: weights)))
            case "pooling":
                spatial.append(.pooling(PoolingLayer(input: spec.inputShape!, size: spec.poolSize!, threshold: spec.threshold)))
            default:
                let weights = try readWeights(spec.inputs * spec.outputs, layer: index)
                layers.append(DenseLayer(inputCount: spec.inputs, outputCount: spec.outputs, threshold: spec.threshold,
                                         lateralInhibition: spec.lateralInhibition, weights: weights))
            }
        }
        return Model(network: Network(constants: header.constants, spatialLayers: spatial, layers: layers), provenance: header.provenance)
    }

    /// A convolution or pooling layer's shape fields: present, within the architecture limits,
    /// and consistent with its input and output counts.
    static func checkSpatial(_ layer: Header.Layer, kind: String, field: String, fail: (String) -> ModelError) throws {
        guard let shape = layer.inputShape else { throw fail("\(field).inputShape: missing for a \(kind) layer") }
        let side = Architecture.maximumSide
        guard (1...side).contains(shape.channels), (1...side).contains(shape.height), (1...side).contains(shape.width),
              shape.count == layer.inputs else {
            throw fail("\(field).inputShape: \(shape.height)x\(shape.width)x\(shape.channels) must have sides 1...\(side) and \(layer.inputs) neurons")
        }
        guard layer.lateralInhibition == 0 else { throw fail("\(field).lateralInhibition: only fully connected layers inhibit laterally") }
        let output: FeatureMapShape
        if kind == "convolution" {
            guard let kernels = layer.kernels, (1...side).contains(kernels) else { throw fail("\(field).kernels: must be 1...\(side)") }
            guard let size = layer.kernelSize, size >= 1, size <= shape.height, size <= shape.width else {
                throw fail("\(field).kernelSize: must be 1 to the input map's side")
            }
            output = FeatureMapShape(channels: kernels, height: shape.height - size + 1, width: shape.width - size + 1)
        } else {
            guard let size = layer.poolSize, size >= 1, size <= side, shape.height % size == 0, shape.width % size == 0 else {
                throw fail("\(field).poolSize: must divide the \(shape.height)x\(shape.width) input map")
            }
            output = FeatureMapShape(channels: shape.channels, height: shape.height / size, width: shape.width / size)
        }
        guard output.count == layer.outputs else { throw fail("\(field).outputs: \(layer.outputs) but the shape gives \(output.count)") }
    }


    public static func read(path: String) throws -> Model {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ModelError.invalidFile(path: path, reason: "cannot read the file (missing or unreadable)")
        }
        return try decode(Array(data), path: path)
    }

    /// Writes atomically: a temporary file beside the target, then a rename.
    public static func write(_ model: Model, to path: String) throws {
        try AtomicFile.write(Data(try encode(model)), to: path)
    }
}

/// Names what a file is when it is not what a command expected: the three hm2bp kinds by magic.
public enum FileKind {
    static let known: [(magic: String, name: String, hint: String)] = [
        ("HM2BPMDL", "an hm2bp model file (.hm2bp)", "commands that take a model: eval, compile, verify (first argument)"),
        ("HM2BPIMG", "a compiled hm2bp image", "commands that take an image: inspect, emulate, golden, verify (second argument)"),
        ("HM2BPCKP", "an hm2bp training checkpoint", "train --resume reads it; the model is the file without .checkpoint"),
    ]

    /// "not an X (bad magic)", or, when the bytes are another hm2bp kind, what it is and where it goes.
    public static func misnamed(_ bytes: [UInt8], expected: String, magic: String) -> String {
        for kind in known where kind.magic != magic && bytes.starts(with: Array(kind.magic.utf8)) {
            return "this is \(kind.name), not \(expected); \(kind.hint)"
        }
        return "not \(expected) (bad magic; expected \"\(magic)\")"
    }
}

@inline(__always)
func appendLittleEndian(_ value: UInt32, to bytes: inout [UInt8]) {
    bytes.append(UInt8(truncatingIfNeeded: value))
    bytes.append(UInt8(truncatingIfNeeded: value >> 8))
    bytes.append(UInt8(truncatingIfNeeded: value >> 16))
    bytes.append(UInt8(truncatingIfNeeded: value >> 24))
}

@inline(__always)
func readLittleEndian(_ bytes: [UInt8], at offset: Int) -> UInt32 {
    UInt32(bytes[offset]) | UInt32(bytes[offset + 1]) << 8 | UInt32(bytes[offset + 2]) << 16 | UInt32(bytes[offset + 3]) << 24
}

/// CRC32 (zlib's) of a byte range.
public func crc32Of(_ bytes: ArraySlice<UInt8>) -> UInt32 {
    bytes.withUnsafeBufferPointer { buffer in
        UInt32(crc32(0, buffer.baseAddress, uInt(buffer.count)))
    }
}
