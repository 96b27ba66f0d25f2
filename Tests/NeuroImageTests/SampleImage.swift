import Kernels
@testable import NeuroImage

/// A small valid image: 6 inputs, a 5-neuron hidden layer split over two cores (3 + 2),
/// a 3-neuron output layer with lateral inhibition on one core, 5-bit weights.
enum SampleImage {
    static func make(seed: UInt64 = 7) -> NeuroImage {
        var rng = SplitMix64(seed: seed)
        func weights(_ count: Int) -> [Int8] { (0..<count).map { _ in Int8(Int(rng.next() % 31) - 15) } }
        let rule = NeuronRule(stateBits: 24, weightShift: 4, currentDecay: .shift(3), membraneDecay: .shift(6), refractorySteps: 2)
        let hidden = ImageLayer(inputCount: 6, neuronCount: 5, rule: rule, thresholdBits: 23, weightBits: 5, hasLateralInhibition: false,
                                tauS: 8, floatThreshold: 20, thresholds: [900, 1000, 1100, 1200, 1300], laterals: [0, 0, 0, 0, 0],
                                weightSteps: [0.1, 0.11, 0.12, 0.13, 0.14])
        let output = ImageLayer(inputCount: 5, neuronCount: 3, rule: NeuronRule(stateBits: 24, weightShift: 4, currentDecay: .multiplier(8192),
                                membraneDecay: .multiplier(1024), refractorySteps: 1), thresholdBits: 23, weightBits: 5,
                                hasLateralInhibition: true, tauS: 8, floatThreshold: 8, thresholds: [400, 410, 420],
                                laterals: [-160, -150, -140], weightSteps: [0.1, 0.1, 0.1])
        let cores = [
            ImageCore(layer: 0, firstNeuron: 0, neuronCount: 3, axonCount: 6, weights: weights(18)),
            ImageCore(layer: 0, firstNeuron: 3, neuronCount: 2, axonCount: 6, weights: weights(12)),
            ImageCore(layer: 1, firstNeuron: 0, neuronCount: 3, axonCount: 5, weights: weights(15)),
        ]
        let routes = [
            RoutingTable(spikeBudget: 4, entries: [
                RouteEntry(key: 0, mask: ~1, targets: [RouteTarget(core: 2, axonBase: 0)]),
                RouteEntry(key: 2, mask: ~0, targets: [RouteTarget(core: 2, axonBase: 2)]),
            ]),
            RoutingTable(spikeBudget: 4, entries: [RouteEntry(key: 0, mask: ~1, targets: [RouteTarget(core: 2, axonBase: 3)])]),
            RoutingTable(spikeBudget: 0, entries: []),
        ]
        let inputMap = RoutingTable(spikeBudget: 0, entries: [
            RouteEntry(key: 0, mask: ~3, targets: [RouteTarget(core: 0, axonBase: 0), RouteTarget(core: 1, axonBase: 0)]),
            RouteEntry(key: 4, mask: ~1, targets: [RouteTarget(core: 0, axonBase: 4), RouteTarget(core: 1, axonBase: 4)]),
        ])
        let target = TargetIdentity(name: "hm2bp-nano", kind: .board, descriptionSHA256: Array(repeating: 0xAB, count: 32),
                                    usbVendorId: 0x1209, usbProductId: 0xB2B1, protocolVersion: 1)
        return NeuroImage(inputCount: 6, outputCount: 3, timeSteps: 50, target: target, layers: [hidden, output], cores: cores,
                          routes: routes, inputMap: inputMap, outputMap: [OutputMapEntry(core: 2, firstNeuron: 0, count: 3, firstOutput: 0)],
                          metadata: ImageMetadata(modelSHA256: Array(repeating: 0x11, count: 32), architecture: "6-5-3",
                                                  createdBy: "tests", reportJSON: "{\"layers\":[]}"))
    }
}

/// Deterministic generator so failures reproduce.
