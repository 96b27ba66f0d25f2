import NeuroImage
import SpikeModel

/// One layer as the compiler sees it, in the order spikes flow: the convolution and pooling
/// layers of a CNN's spatial front, then the fully connected layers. Quantization works on the
/// model's neuron order (feature maps channel-major); the image permutes spatial layers into
/// tile order (docs/image-format.md, version 2).
struct LoweredLayer: Sendable {
    enum Synapses: Sendable {
        case dense(DenseLayer)
        case convolution(ConvolutionLayer)
        case pooling(PoolingLayer)
    }

    var synapses: Synapses

    static func layers(of network: Network) -> [LoweredLayer] {
        network.spatialLayers.map { spatial -> LoweredLayer in
            switch spatial {
            case .convolution(let layer): return LoweredLayer(synapses: .convolution(layer))
            case .pooling(let layer): return LoweredLayer(synapses: .pooling(layer))
            }
        } + network.layers.map { LoweredLayer(synapses: .dense($0)) }
    }

    var inputCount: Int {
        switch synapses {
        case .dense(let layer): return layer.inputCount
        case .convolution(let layer): return layer.input.count
        case .pooling(let layer): return layer.input.count
        }
    }

    var neuronCount: Int {
        switch synapses {
        case .dense(let layer): return layer.outputCount
        case .convolution(let layer): return layer.output.count
        case .pooling(let layer): return layer.output.count
        }
    }

    /// VTH (HM2-BP's conv neurons fire above VTH itself, the others above VTH - 1e-6: the
    /// integer threshold rounds both to the same register).
    var threshold: Float {
        switch synapses {
        case .dense(let layer): return layer.threshold
        case .convolution(let layer): return layer.threshold
        case .pooling(let layer): return layer.threshold
        }
    }

    var lateralInhibition: Float {
        if case .dense(let layer) = synapses { return layer.lateralInhibition }
        return 0
    }

    var geometry: SpatialGeometry? {
        switch synapses {
        case .dense: return nil
        case .convolution(let layer):
            return .convolution(input: MapSize(layer.input), kernels: layer.kernelCount, kernelSize: layer.kernelSize)
        case .pooling(let layer):
            return .pooling(input: MapSize(layer.input), size: layer.size)
        }
    }

    var shape: LayerShape {
        LayerShape(inputCount: inputCount, neuronCount: neuronCount, hasLateralInhibition: lateralInhibition != 0, geometry: geometry)
    }

    /// The weights the layer stores, with the neuron whose step scales each: dense pre-major
    /// (`w[j * n + i]`, neuron i); convolution kernels `((a * C + c) * K + p) * K + q` (neuron:
    /// the first of map a); pooling one K x K kernel of ones per channel (HM2-BP's fixed weight 1).
    var storedWeights: (values: [Float], neuronOf: (Int) -> Int) {
        switch synapses {
        case .dense(let layer):
            let n = layer.outputCount
            return (layer.weights, { $0 % n })
        case .convolution(let layer):
            let perKernel = layer.kernelVolume, positions = layer.output.positions
            return (layer.weights, { $0 / perKernel * positions })
        case .pooling(let layer):
            let perChannel = layer.size * layer.size, positions = layer.output.positions
            return ([Float](repeating: 1, count: layer.input.channels * perChannel), { $0 / perChannel * positions })
        }
    }

    /// max |w| over each neuron's synapses (model order).
    func maxAbsPerNeuron() -> [Float] {
        var out = [Float](repeating: 0, count: neuronCount)
        switch synapses {
        case .dense(let layer):
            let n = layer.outputCount
            for j in 0..<layer.inputCount { for i in 0..<n { out[i] = max(out[i], abs(layer.weights[j * n + i])) } }
        case .convolution(let layer):
            let positions = layer.output.positions
            for a in 0..<layer.kernelCount {
                let kernel = layer.weights[(a * layer.kernelVolume)..<((a + 1) * layer.kernelVolume)]
                let largest = kernel.reduce(0) { max($0, abs($1)) }
                for p in 0..<positions { out[a * positions + p] = largest }
            }
        case .pooling:
            for i in out.indices { out[i] = 1 }
        }
        return out
    }

    /// The integer layer over the model's neurons for stored weights `q` (`storedWeights` order).
    func fixedPointLayer(q: [Int8], rule: NeuronRule, thresholds: [Int64], laterals: [Int64]) -> FixedPointLayer {
        switch synapses {
        case .dense(let layer):
            return FixedPointLayer(rule: rule, axonCount: layer.inputCount, neuronCount: layer.outputCount, weights: q,
                                   thresholds: thresholds, laterals: laterals)
        case .convolution, .pooling:
            return FixedPointLayer(rule: rule, neuronCount: neuronCount, sparse: sparseSynapses(q), thresholds: thresholds, laterals: laterals)
        }
    }

    /// A spatial layer's synapses input by input: the input (c, u, v) reaches output (a, u - p,
    /// v - q) through kernel entry (p, q) (convolution), or its pool neuron (pooling).
    private func sparseSynapses(_ q: [Int8]) -> SparseSynapses {
        guard let geometry else { preconditionFailure("a fully connected layer has dense synapses") }
        let input = geometry.input, output = geometry.output, k = geometry.kernelSize, s = geometry.stride
        let perChannel = geometry.kind == .convolution ? input.channels : 1
        var rowStarts: [Int32] = [0], neurons: [Int32] = [], values: [Int8] = []
        for c in 0..<input.channels {
            for u in 0..<input.rows {
                for v in 0..<input.columns {
                    let channels = geometry.kind == .convolution ? Array(0..<output.channels) : [c]
                    for a in channels {
                        let kernelChannel = geometry.kind == .convolution ? c : 0
                        for p in 0..<k where (u - p) >= 0 && (u - p) % s == 0 && (u - p) / s < output.rows {
                            for r in 0..<k where (v - r) >= 0 && (v - r) % s == 0 && (v - r) / s < output.columns {
                                neurons.append(Int32(output.index(channel: a, row: (u - p) / s, column: (v - r) / s)))
                                values.append(q[((a * perChannel + kernelChannel) * k + p) * k + r])
                            }
                        }
                    }
                    rowStarts.append(Int32(neurons.count))
                }
            }
        }
        return SparseSynapses(rowStarts: rowStarts, neurons: neurons, values: values)
    }
}

extension MapSize {
    init(_ shape: FeatureMapShape) { self.init(channels: shape.channels, rows: shape.height, columns: shape.width) }
}
