import Emulator
import Foundation
import NeuroImage
import SpikeModel

/// Where the float and fixed models first part ways on one sample: the earliest time step at
/// which some layer's spikes differ (lowest layer, then lowest neuron, among ties). Because a
/// layer sees the layer below one step late, the earliest step is the cause, not an echo.
public struct Divergence: Codable, Sendable, Equatable {
    public var sample: Int
    public var label: Int
    public var floatPrediction: Int
    public var fixedPrediction: Int
    public var layer: Int
    public var neuron: Int
    public var timeStep: Int
    public var floatSpiked: Bool
    public var fixedSpiked: Bool
    /// The float model's v (at the threshold test) and I at that step, and its threshold VTH.
    public var floatMembrane: Float
    public var floatCurrent: Float
    public var floatThreshold: Float
    /// The image's integer u (at the threshold test), c and theta at that step...
    public var fixedMembrane: Int64
    public var fixedCurrent: Int64
    public var fixedThreshold: Int64
    /// ...and the same in float units: v = u * Delta / (2^F * tauS), I = c * Delta / 2^F.
    public var fixedMembraneAsFloat: Double
    public var fixedCurrentAsFloat: Double
    public var fixedThresholdAsFloat: Double
    /// v of both models one step earlier (0 at t = 0).
    public var previousFloatMembrane: Float
    public var previousFixedMembraneAsFloat: Double

    public var text: String {
        func spiked(_ s: Bool) -> String { s ? "spiked" : "did not spike" }
        return [
            "  first disagreement: sample \(sample) (label \(label)): float predicts \(floatPrediction), fixed point \(fixedPrediction)",
            "  spikes first diverge in layer \(layer), neuron \(neuron), step \(timeStep): float \(spiked(floatSpiked)), fixed point \(spiked(fixedSpiked))",
            String(format: "    float:       v = %.6g (threshold %.6g), I = %.6g; v one step earlier %.6g",
                   floatMembrane, floatThreshold, floatCurrent, previousFloatMembrane),
            String(format: "    fixed point: u = %lld (theta %lld), c = %lld -> v = %.6g (threshold %.6g), I = %.6g; v one step earlier %.6g",
                   fixedMembrane, fixedThreshold, fixedCurrent, fixedMembraneAsFloat, fixedThresholdAsFloat, fixedCurrentAsFloat,
                   previousFixedMembraneAsFloat),
        ].joined(separator: "\n")
    }
}

enum DivergenceFinder {
    static func locate(sample: Int, label: Int, network: Network, emulator: Emulator, input: SpikeRaster) throws -> Divergence? {
        let fixed = try emulator.run(input, recording: [.spikes, .states])
        guard let fixedSpikes = fixed.layerSpikes, let fixedStates = fixed.layerStates else { return nil }
        var floatSpikes: [SpikeRaster] = []
        // Convolution and pooling layers run without state traces; the diverging neuron of one is
        // traced afterwards on its own (`spatialTrace`).
        var floatTraces: [FloatSimulator.StateTrace?] = []
        var below = input
        for layer in network.spatialLayers {
            below = FloatSimulator.runSpatialLayer(layer, constants: network.constants, input: below, parallel: false)
            floatSpikes.append(below); floatTraces.append(nil)
        }
        for layer in network.layers {
            let (raster, trace) = FloatSimulator.traceLayer(layer, constants: network.constants, input: below)
            floatSpikes.append(raster); floatTraces.append(trace)
            below = raster
        }
        let thresholds = network.spatialLayers.map(\.threshold) + network.layers.map(\.threshold)
        let floatPrediction = predictedClass(counts: floatSpikes.last!.counts())
        // Fixed spikes come in image order (a spatial layer's tiles permute its map).
        let modelIndexOfImage = emulator.image.layers.indices.map { emulator.image.modelIndexOfImageNeuron(layer: $0) }
        let imageIndexOfModel = modelIndexOfImage.map { modelIndex -> [Int] in
            var inverse = modelIndex
            for (k, m) in modelIndex.enumerated() { inverse[m] = k }
            return inverse
        }
        for t in 0..<network.constants.timeSteps {
            for l in floatSpikes.indices {
                // Compared in the model's neuron order.
                let a = Set(floatSpikes[l].firing(at: t).map(Int.init))
                let b = Set(fixedSpikes[l].firing(at: t).map { modelIndexOfImage[l][Int($0)] })
                guard let neuron = a.symmetricDifference(b).min() else { continue }
                let imageLayer = emulator.image.layers[l]
                let k = imageIndexOfModel[l][neuron]
                let width = imageLayer.neuronCount
                let scale = Double(imageLayer.weightSteps[k]) / Double(1 << imageLayer.rule.weightShift)
                let at = t * width + k, before = max(t - 1, 0) * width + k
                var floatAt = t * width + neuron, floatBefore = max(t - 1, 0) * width + neuron
                if floatTraces[l] == nil {
                    floatTraces[l] = spatialTrace(network.spatialLayers[l], neuron: neuron, constants: network.constants,
                                                  input: l == 0 ? input : floatSpikes[l - 1]).1
                    floatAt = t; floatBefore = max(t - 1, 0)
                }
                return Divergence(
                    sample: sample, label: label, floatPrediction: floatPrediction, fixedPrediction: fixed.prediction, layer: l,
                    neuron: neuron, timeStep: t, floatSpiked: a.contains(neuron), fixedSpiked: b.contains(neuron),
                    floatMembrane: floatTraces[l].map { $0.membrane[floatAt] } ?? .nan, floatCurrent: floatTraces[l].map { $0.current[floatAt] } ?? .nan,
                    floatThreshold: thresholds[l],
                    fixedMembrane: fixedStates[l].membrane[at], fixedCurrent: fixedStates[l].current[at],
                    fixedThreshold: imageLayer.thresholds[k],
                    fixedMembraneAsFloat: Double(fixedStates[l].membrane[at]) * scale / Double(imageLayer.tauS),
                    fixedCurrentAsFloat: Double(fixedStates[l].current[at]) * scale,
                    fixedThresholdAsFloat: Double(imageLayer.thresholds[k]) * scale / Double(imageLayer.tauS),
                    previousFloatMembrane: t > 0 ? (floatTraces[l].map { $0.membrane[floatBefore] } ?? .nan) : 0,
                    previousFixedMembraneAsFloat: t > 0 ? Double(fixedStates[l].membrane[before]) * scale / Double(imageLayer.tauS) : 0)
            }
        }
        return nil
    }

    /// The float state of one convolution or pooling neuron: the neuron alone as a fully
    /// connected layer of one, with its receptive field as its weights (the same LIF update; the
    /// threshold adjusted so that it fires where the spatial layer's neuron does).
    static func spatialTrace(_ layer: SpatialLayer, neuron: Int, constants: NeuronConstants, input: SpikeRaster) -> (SpikeRaster, FloatSimulator.StateTrace) {
        let out = layer.output, map = layer.input
        let channel = neuron / out.positions, row = neuron % out.positions / out.width, column = neuron % out.width
        var weights = [Float](repeating: 0, count: map.count)
        switch layer {
        case .convolution(let conv):
            for c in 0..<map.channels { for p in 0..<conv.kernelSize { for q in 0..<conv.kernelSize {
                weights[map.index(channel: c, row: row + p, column: column + q)] = conv.weight(kernel: channel, channel: c, row: p, column: q)
            } } }
        case .pooling(let pool):
            for p in 0..<pool.size { for q in 0..<pool.size {
                weights[map.index(channel: channel, row: row * pool.size + p, column: column * pool.size + q)] = 1
            } }
        }
        // DenseLayer fires above threshold - 1e-6; HM2-BP's conv neurons fire above VTH itself.
        let threshold = Float(Double(layer.spikeThreshold) + 1e-6)
        let single = DenseLayer(inputCount: map.count, outputCount: 1, threshold: threshold, weights: weights)
        return FloatSimulator.traceLayer(single, constants: constants, input: input)
    }
}
