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
        let lowered = LoweredLayer.layers(of: network)
        let imageIndex = input.placement.imageIndexOfModelNeuron()
        let layers = zip(lowered, input.quantized).enumerated().map { l, pair in
            let (float, q) = pair
            // Spatial layers list their neurons in tile order (docs/image-format.md, version 2).
            func imageOrder<T>(_ values: [T]) -> [T] {
                guard float.geometry != nil else { return values }
                var out = values
                for (m, value) in values.enumerated() { out[imageIndex[l][m]] = value }
                return out
            }
            return ImageLayer(inputCount: float.inputCount, neuronCount: float.neuronCount, rule: q.rule, thresholdBits: q.thresholdBits,
                              weightBits: q.weightBits, hasLateralInhibition: float.lateralInhibition != 0, tauS: network.constants.tauS,
                              floatThreshold: float.threshold, thresholds: imageOrder(q.thresholds), laterals: imageOrder(q.laterals),
                              weightSteps: imageOrder(q.weightSteps), spatial: float.geometry)
        }
        let cores = input.placement.cores.map { Self.core($0, layer: lowered[$0.layer], quantized: input.quantized[$0.layer], target: target) }
        let lastLayer = lowered.count - 1
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
        let lowered = LoweredLayer.layers(of: input.network)
        for (c, slice) in input.placement.cores.enumerated() {
            let layer = lowered[slice.layer], q = input.quantized[slice.layer]
            let core = output.image.cores[c]
            if let tile = slice.tile, let geometry = layer.geometry {
                let expected = geometry.expandedWeights(tile: tile, kernels: Self.kernels(of: q, geometry: geometry, tile: tile))
                if core.tile != tile || core.expandedWeights(layer: output.image.layers[slice.layer]) != expected {
                    problems.append("core \(c): synapses differ from layer \(slice.layer)'s quantized kernels over its tile")
                }
            } else if core.weights != Self.columns(of: q, slice: slice, width: layer.neuronCount) {
                problems.append("core \(c): synapse memory differs from layer \(slice.layer)'s quantized columns")
            }
        }
        return problems
    }

    /// A placed slice as an image core: the columns of a fully connected layer, or a spatial
    /// tile's kernels, shared or expanded as the target's cores hold them.
    static func core(_ slice: LayerSlice, layer: LoweredLayer, quantized: QuantizedLayer, target: HardwareTarget) -> ImageCore {
        guard let tile = slice.tile, let geometry = layer.geometry else {
            return ImageCore(layer: slice.layer, firstNeuron: slice.firstNeuron, neuronCount: slice.neuronCount, axonCount: layer.inputCount,
                             weights: columns(of: quantized, slice: slice, width: layer.neuronCount))
        }
        let kernels = kernels(of: quantized, geometry: geometry, tile: tile)
        let shared = target.core.supportsSharedKernels
        return ImageCore(layer: slice.layer, firstNeuron: slice.firstNeuron, neuronCount: slice.neuronCount,
                         axonCount: geometry.window(of: tile).size.count,
                         weights: shared ? kernels : geometry.expandedWeights(tile: tile, kernels: kernels), tile: tile,
                         form: shared ? .sharedKernel : .expanded)
    }

    /// The kernels of the tile's channels (the quantized layer stores one per output channel).
    static func kernels(of layer: QuantizedLayer, geometry: SpatialGeometry, tile: OutputTile) -> [Int8] {
        let perChannel = geometry.kernelWeightCount(channels: 1)
        return Array(layer.weights[(tile.channel0 * perChannel)..<((tile.channel0 + tile.channelCount) * perChannel)])
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
