import NeuroImage
import SpikeModel

/// Builds images straight from integer layers (no compiler), so the emulator's tests state
/// exactly what the datapath receives.
struct TestLayer {
    var reference: FixedPointLayer
    var lateral: Bool = false
    /// Neurons per core, in order; nil: the whole layer on one core.
    var split: [Int]? = nil
    var thresholdBits: Int? = nil
}

enum TestImages {
    static func make(inputCount: Int, layers: [TestLayer], timeSteps: Int, budgets: [Int] = [], inputBudget: Int = 0) -> NeuroImage {
        var cores: [ImageCore] = []
        var coresOfLayer: [[Int]] = []
        for (l, layer) in layers.enumerated() {
            let ref = layer.reference
            var first = 0
            var indices: [Int] = []
            for count in layer.split ?? [ref.neuronCount] {
                var weights: [Int8] = []
                for a in 0..<ref.axonCount { weights += ref.weights[(a * ref.neuronCount + first)..<(a * ref.neuronCount + first + count)] }
                indices.append(cores.count)
                cores.append(ImageCore(layer: l, firstNeuron: first, neuronCount: count, axonCount: ref.axonCount, weights: weights))
                first += count
            }
            coresOfLayer.append(indices)
        }
        let imageLayers = layers.map { layer -> ImageLayer in
            let ref = layer.reference
            return ImageLayer(inputCount: ref.axonCount, neuronCount: ref.neuronCount, rule: ref.rule,
                              thresholdBits: layer.thresholdBits ?? (ref.rule.stateBits - 1), weightBits: 8,
                              hasLateralInhibition: layer.lateral, tauS: 8, floatThreshold: 1, thresholds: ref.thresholds,
                              laterals: ref.laterals, weightSteps: [Float](repeating: 0.01, count: ref.neuronCount))
        }
        var routes: [RoutingTable] = []
        for (c, core) in cores.enumerated() {
            let next = core.layer + 1 < layers.count ? coresOfLayer[core.layer + 1] : []
            let targets = next.map { RouteTarget(core: $0, axonBase: core.firstNeuron) }
            routes.append(RoutingTable(spikeBudget: c < budgets.count ? budgets[c] : 0,
                                       entries: targets.isEmpty ? [] : entries(sourceCount: core.neuronCount, targets: targets)))
        }
        let inputMap = RoutingTable(spikeBudget: inputBudget, entries: entries(
            sourceCount: inputCount, targets: coresOfLayer[0].map { RouteTarget(core: $0, axonBase: 0) }))
        let last = layers.count - 1
        let outputMap = coresOfLayer[last].map { OutputMapEntry(core: $0, firstNeuron: 0, count: cores[$0].neuronCount, firstOutput: cores[$0].firstNeuron) }
        let architecture = ([inputCount] + layers.map(\.reference.neuronCount)).map(String.init).joined(separator: "-")
        return NeuroImage(inputCount: inputCount, outputCount: layers[last].reference.neuronCount, timeSteps: timeSteps,
                          target: TargetIdentity(name: "emulator", kind: .emulator, descriptionSHA256: Array(repeating: 0, count: 32)),
                          layers: imageLayers, cores: cores, routes: routes, inputMap: inputMap, outputMap: outputMap,
                          metadata: ImageMetadata(modelSHA256: Array(repeating: 0, count: 32), architecture: architecture,
                                                  createdBy: "EmulatorTests", reportJSON: "{}"))
    }

    /// Covers sources 0 ..< count with aligned power-of-two blocks: block [K, K + 2^k) is
    /// key K, mask ~(2^k - 1), and lands on axonBase + K of each target.
    static func entries(sourceCount: Int, targets: [RouteTarget]) -> [RouteEntry] {
        var result: [RouteEntry] = []
        var key = 0
        while key < sourceCount {
            var size = 1
            while key % (size * 2) == 0, key + size * 2 <= sourceCount { size *= 2 }
            result.append(RouteEntry(key: UInt32(key), mask: ~UInt32(size - 1),
                                     targets: targets.map { RouteTarget(core: $0.core, axonBase: $0.axonBase + key) }))
            key += size
        }
        return result
    }

    static func raster(_ steps: [[Int32]], neurons: Int) -> SpikeRaster {
        var raster = SpikeRaster(neuronCount: neurons, timeSteps: steps.count)
        for step in steps { raster.appendStep(step) }
        return raster
    }

    static func steps(_ raster: SpikeRaster) -> [[Int32]] { (0..<raster.filledSteps).map { Array(raster.firing(at: $0)) } }
}

/// Deterministic generator so failures reproduce.
