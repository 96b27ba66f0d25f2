import Foundation
import HardwareTargets
import NeuroImage
import SpikeModel

/// Everything the image is made of.
public struct EmitInput: Sendable {
    public var network: Network
    public var placement: Placement
    public var tables: RoutingTables
    public var quantized: [QuantizedLayer]
    public var target: TargetLoader.LoadedTarget
    public var modelSHA256: [UInt8]
    public var createdBy: String
    /// The model's data set, seed and encoder, recorded for the commands that run the image.
    public var provenance: ImageProvenance? = nil
}

/// Cuts the quantized layers into the placed cores, attaches the tables and maps, and encodes
/// the image (docs/image-format.md). Reports an image too large for the board.
public struct EmitPass: CompilerPass {
    public static let name = "emit"

    public init() {}

    public func run(_ input: EmitInput, diagnostics: inout Diagnostics) throws -> (image: NeuroImage, bytes: [UInt8]) {
        let network = input.network
        let target = input.target.target
        let layers = zip(network.layers, input.quantized).map { float, q in
            ImageLayer(inputCount: float.inputCount, neuronCount: float.outputCount, rule: q.rule, thresholdBits: q.thresholdBits,
                       weightBits: q.weightBits, hasLateralInhibition: float.lateralInhibition != 0, tauS: network.constants.tauS,
                       floatThreshold: float.threshold, thresholds: q.thresholds, laterals: q.laterals, weightSteps: q.weightSteps)
        }
        let cores = input.placement.cores.map { slice in
            ImageCore(layer: slice.layer, firstNeuron: slice.firstNeuron, neuronCount: slice.neuronCount,
                      axonCount: network.layers[slice.layer].inputCount, weights: Self.columns(of: input.quantized[slice.layer], slice: slice,
                                                                                             width: network.layers[slice.layer].outputCount))
        }
        let lastLayer = network.layers.count - 1
        let outputMap = input.placement.coresOfLayer[lastLayer].map { c in
            OutputMapEntry(core: c, firstNeuron: 0, count: input.placement.cores[c].neuronCount, firstOutput: input.placement.cores[c].firstNeuron)
        }
        let report = ImageReport(
            compiler: input.createdBy,
            limits: .init(cores: target.cores, neurons: target.core.neurons, inputAxons: target.core.inputAxons,
                          synapseEntries: target.core.synapseMemory.entries, bitsPerEntry: target.core.synapseMemory.bitsPerEntry,
                          routingEntries: target.router.tableEntries),
            quantization: input.quantized.map(\.report), provenance: input.provenance)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let identity = TargetIdentity(name: target.name, kind: target.kind == .board ? .board : .emulator,
                                      descriptionSHA256: Digest.sha256(input.target.fileBytes),
                                      usbVendorId: target.board?.usbVendorId ?? 0, usbProductId: target.board?.usbProductId ?? 0,
                                      protocolVersion: target.board?.protocolVersion ?? 0)
        let image = NeuroImage(
            inputCount: network.inputCount, outputCount: network.outputCount, timeSteps: network.constants.timeSteps, target: identity,
            layers: layers, cores: cores, routes: input.tables.coreTables, inputMap: input.tables.inputMap, outputMap: outputMap,
            metadata: ImageMetadata(modelSHA256: input.modelSHA256, architecture: network.architectureName, createdBy: input.createdBy,
                                    reportJSON: String(decoding: try encoder.encode(report), as: UTF8.self)))
        let bytes = ImageEncoder.encode(image)
        if let board = target.board, bytes.count > board.maxImageBytes {
            diagnostics.report(Diagnostic(resource: "image bytes", need: bytes.count, limit: board.maxImageBytes, fixes: []))
        }
        return (image, bytes)
    }

    /// The bytes decode to exactly the image, and every core holds its slice's columns.
    public func check(_ input: EmitInput, _ output: (image: NeuroImage, bytes: [UInt8])) -> [String] {
        var problems: [String] = []
        do {
            if try ImageDecoder.decode(output.bytes) != output.image { problems.append("the encoded image decodes to a different image") }
        } catch {
            problems.append("the encoded image does not decode: \(error)")
        }
        for (c, slice) in input.placement.cores.enumerated() {
            let width = input.network.layers[slice.layer].outputCount
            if output.image.cores[c].weights != Self.columns(of: input.quantized[slice.layer], slice: slice, width: width) {
                problems.append("core \(c): synapse memory differs from layer \(slice.layer)'s quantized columns")
            }
        }
        return problems
    }

    /// Columns `slice` of the layer's pre-major weights, axon-major for the core.
    static func columns(of layer: QuantizedLayer, slice: LayerSlice, width: Int) -> [Int8] {
        let axons = layer.weights.count / width
        var out = [Int8](repeating: 0, count: axons * slice.neuronCount)
        for a in 0..<axons {
            for k in 0..<slice.neuronCount { out[a * slice.neuronCount + k] = layer.weights[a * width + slice.firstNeuron + k] }
        }
        return out
    }
}
