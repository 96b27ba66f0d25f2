import Emulator
import Foundation
import NeuroImage
import SpikeModel

/// Writes `hm2bp emulate --trace DIR --samples K` (docs/trace-format.md): per sample, the
/// input and every layer's spikes as CSV, every layer's u (at the threshold test) and c as raw
/// little-endian int64 matrices, and a raster picture; `trace.json` describes them all.
public enum TraceWriter {
    struct Manifest: Codable {
        var format = "hm2bp-trace"
        var version = 1
        var architecture: String
        var target: String
        var timeSteps: Int
        var layers: [LayerInfo]
        var samples: [SampleInfo]
    }

    struct LayerInfo: Codable {
        var layer: Int
        var neurons: Int
        var weightShift: Int
        var tauS: Float
        var threshold: Float
        /// Per neuron: float value of one unit of c is weightStep / 2^weightShift; of u, that / tauS.
        var weightSteps: [Float]
    }

    struct SampleInfo: Codable {
        var index: Int
        var label: Int
        var prediction: Int
        var outputCounts: [Int32]
        var directory: String
        var files: [String]
    }

    /// Runs samples 0 ..< count of `data` with full recording and writes them under `directory`.
    /// Returns the paths of the raster pictures.
    @discardableResult
    public static func write(_ emulator: Emulator, data: EncodedDataset, count: Int, to directory: String) throws -> [String] {
        let image = emulator.image
        try DatasetEmulation.requireCompatible(image, data)
        var samples: [SampleInfo] = []
        var pictures: [String] = []
        for i in 0..<min(count, data.count) {
            let input = data.input(i)
            let result = try emulator.run(input, recording: [.spikes, .states])
            guard let spikes = result.layerSpikes, let states = result.layerStates else { continue }
            let name = String(format: "sample-%05d", i)
            let folder = directory + "/" + name
            var files: [String] = []
            func put(_ file: String, _ data: Data) throws {
                try AtomicFile.write(data, to: folder + "/" + file)
                files.append(name + "/" + file)
            }
            try put("input-spikes.csv", Data(csv(input).utf8))
            for l in image.layers.indices {
                try put("layer-\(l)-spikes.csv", Data(csv(spikes[l]).utf8))
                try put("layer-\(l)-membrane.i64", littleEndian(states[l].membrane))
                try put("layer-\(l)-current.i64", littleEndian(states[l].current))
            }
            let label = Int(data.labels[i])
            let title = "sample \(i): label \(label), prediction \(result.prediction) - \(image.metadata.architecture) on \(image.target.name)"
            try put("raster.svg", Data(picture(title: title, image: image, input: input, spikes: spikes, states: states, label: label,
                                               prediction: result.prediction).utf8))
            pictures.append(folder + "/raster.svg")
            samples.append(SampleInfo(index: i, label: label, prediction: result.prediction, outputCounts: result.outputCounts,
                                      directory: name, files: files))
        }
        let layers = image.layers.enumerated().map { l, layer in
            LayerInfo(layer: l, neurons: layer.neuronCount, weightShift: layer.rule.weightShift, tauS: layer.tauS,
                      threshold: layer.floatThreshold, weightSteps: layer.weightSteps)
        }
        let manifest = Manifest(architecture: image.metadata.architecture, target: image.target.name, timeSteps: image.timeSteps,
                                layers: layers, samples: samples)
        try AtomicFile.write(try JSON.encode(manifest), to: directory + "/trace.json")
        return pictures
    }

    /// The raster picture: "hidden 1 ..." and "output" panels, class numbers on a small output
    /// layer with the label and the prediction marked, and the output membrane over time.
    static func picture(title: String, image: NeuroImage, input: SpikeRaster, spikes: [SpikeRaster], states: [LayerStates],
                        label: Int, prediction: Int) -> String {
        let last = spikes.count - 1
        var panels = [RasterPicture.Panel(name: "input", raster: input)]
        for (l, raster) in spikes.enumerated() {
            var panel = RasterPicture.Panel(name: l == last ? "output" : "hidden \(l + 1)", raster: raster)
            if l == last, raster.neuronCount <= 32 {
                panel.rowLabels = (0..<raster.neuronCount).map { "class \($0)" }
                panel.marks = [(label, "#2ca02c", "label \(label)"), (prediction, "#d62728", "prediction \(prediction)")]
            }
            panels.append(panel)
        }
        let output = image.layers[last], membrane = states[last].membrane
        let thresholds = output.thresholds.map { Double(max($0, 1)) }
        let relative = membrane.indices.map { Double(membrane[$0]) / thresholds[$0 % output.neuronCount] }
        return RasterPicture.svg(title: title, panels: panels, membrane: RasterPicture.MembranePlot(neurons: output.neuronCount, values: relative))
    }

    /// "t,neuron" per spike, in time order.
    static func csv(_ raster: SpikeRaster) -> String {
        var text = "t,neuron\n"
        for t in 0..<raster.filledSteps {
            for n in raster.firing(at: t) { text += "\(t),\(n)\n" }
        }
        return text
    }

    static func littleEndian(_ values: [Int64]) -> Data {
        var data = Data(capacity: values.count * 8)
        for v in values { withUnsafeBytes(of: v.littleEndian) { data.append(contentsOf: $0) } }
        return data
    }
}

enum JSON {
    static func encode<T: Encodable>(_ value: T) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(value)
    }
}
