import Kernels
import Emulator
import NeuroImage
import SpikeModel

/// A 784-800-10 image laid out as `hm2bp-micro` holds it (all 800 hidden neurons on core 0, the
/// output on core 1), with random int8 weights and thresholds tuned so the hidden layer fires
/// about as often as a trained one (a few percent of neurons per step). The compiler is not
/// needed, so the benchmark measures the emulator alone.
enum EmulateBenchmarkImage {
    static func make(inputs: [SpikeRaster], timeSteps: Int) -> NeuroImage {
        var generator = SplitMix64(seed: 17)
        let rule = NeuronRule(stateBits: 32, weightShift: 8, currentDecay: .shift(3), membraneDecay: .shift(6), refractorySteps: 2)
        func weights(_ count: Int, bias: Int) -> [Int8] { (0..<count).map { _ in Int8(truncatingIfNeeded: Int(generator.next() % 256) - 128 + bias) } }
        let hidden = ImageLayer(inputCount: 784, neuronCount: 800, rule: rule, thresholdBits: 31, weightBits: 8, hasLateralInhibition: false,
                                tauS: 8, floatThreshold: 1, thresholds: Array(repeating: 1, count: 800), laterals: Array(repeating: 0, count: 800),
                                weightSteps: Array(repeating: 0.01, count: 800))
        var output = hidden
        output.inputCount = 800; output.neuronCount = 10
        output.thresholds = Array(repeating: 1, count: 10); output.laterals = Array(repeating: 0, count: 10)
        output.weightSteps = Array(repeating: 0.01, count: 10)
        let cores = [ImageCore(layer: 0, firstNeuron: 0, neuronCount: 800, axonCount: 784, weights: weights(784 * 800, bias: 6)),
                     ImageCore(layer: 1, firstNeuron: 0, neuronCount: 10, axonCount: 800, weights: weights(8000, bias: 10))]
        func entries(_ count: Int, _ core: Int) -> [RouteEntry] {
            // 784 = 512 + 256 + 16 and 800 = 512 + 256 + 32: aligned power-of-two blocks.
            var result: [RouteEntry] = []
            var key = 0
            for size in [512, 256, 32, 16] where key + size <= count && count - key >= size {
                result.append(RouteEntry(key: UInt32(key), mask: ~UInt32(size - 1), targets: [RouteTarget(core: core, axonBase: key)]))
                key += size
            }
            return result
        }
        var image = NeuroImage(
            inputCount: 784, outputCount: 10, timeSteps: timeSteps,
            target: TargetIdentity(name: "hm2bp-micro", kind: .board, descriptionSHA256: Array(repeating: 0, count: 32)),
            layers: [hidden, output], cores: cores,
            routes: [RoutingTable(spikeBudget: 1024, entries: entries(800, 1)), RoutingTable(spikeBudget: 1024, entries: [])],
            inputMap: RoutingTable(spikeBudget: 0, entries: entries(784, 0)), outputMap: [OutputMapEntry(core: 1, firstNeuron: 0, count: 10, firstOutput: 0)],
            metadata: ImageMetadata(modelSHA256: Array(repeating: 0, count: 32), architecture: "784-800-10", createdBy: "hm2bp-bench", reportJSON: "{}"))
        // Raise each layer's threshold until it fires at the wanted rate on the first inputs.
        for (layer, rate) in [(0, 0.02), (1, 0.05)] {
            var low: Int64 = 1, high: Int64 = 1 << 30
            while low < high {
                let mid = (low + high) / 2
                image.layers[layer].thresholds = Array(repeating: mid, count: image.layers[layer].neuronCount)
                let spikes = inputs.prefix(4).map { (try? Emulator(image: image).run($0))?.layerSpikeTotals[layer] ?? 0 }.reduce(0, +)
                let perStep = Double(spikes) / Double(4 * timeSteps * image.layers[layer].neuronCount)
                if perStep > rate { low = mid + 1 } else { high = mid }
            }
        }
        return image
    }
}

