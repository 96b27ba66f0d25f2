import Compiler
import HardwareTargets
import Kernels
import NeuroImage
import SpikeModel
import XCTest
@testable import Emulator

/// Convolution and pooling lowered to cores (docs/image-format.md, version 2): however the
/// compiler tiles a spatial layer and whichever synapse form the target holds, the image runs
/// exactly like the quantized layers on one core each, in the model's neuron order.
final class SpatialImageTests: XCTestCase {
    /// 1x10x10 -> 4C3 (4x8x8) -> P2 (4x4x4) -> 3C2 (3x3x3) -> 10, seeded weights.
    static func model() -> Model {
        var random = SplitMix64(seed: 77)
        func uniform() -> Float { Float(random.next() >> 40) / Float(1 << 24) * 2 - 1 }
        let input = FeatureMapShape(channels: 1, height: 10, width: 10)
        let conv1 = ConvolutionLayer(input: input, kernelCount: 4, kernelSize: 3, threshold: 1,
                                     weights: (0..<(4 * 9)).map { _ in uniform() * 0.8 + 0.25 })
        let pool = PoolingLayer(input: conv1.output, size: 2, threshold: 0.75)
        let conv2 = ConvolutionLayer(input: pool.output, kernelCount: 3, kernelSize: 2, threshold: 1,
                                     weights: (0..<(3 * 4 * 4)).map { _ in uniform() * 0.6 + 0.2 })
        let dense = DenseLayer(inputCount: conv2.output.count, outputCount: 10, threshold: 1, lateralInhibition: 0,
                               weights: (0..<(conv2.output.count * 10)).map { _ in uniform() * 0.5 + 0.1 })
        let network = Network(constants: NeuronConstants(timeSteps: 60), spatialLayers: [.convolution(conv1), .pooling(pool), .convolution(conv2)],
                              layers: [dense])
        return Model(network: network, provenance: Provenance(dataset: "mnist", seed: 1))
    }

    static func inputs(count: Int) -> [SpikeRaster] {
        var random = SplitMix64(seed: 5)
        return (0..<count).map { _ in
            TestImages.raster([[]] + (1..<60).map { _ in (0..<Int32(100)).filter { _ in random.next() % 4 == 0 } }, neurons: 100)
        }
    }

    /// The emulator target with small cores, so that every spatial layer needs several tiles.
    static func smallCores(shared: Bool) throws -> TargetLoader.LoadedTarget {
        var text = String(decoding: try TargetLoader.load("emulator").fileBytes, as: UTF8.self)
        text = text.replacingOccurrences(of: "\"neurons\": 65536", with: "\"neurons\": 20")
        text = text.replacingOccurrences(of: "\"sharedKernels\": true", with: "\"sharedKernels\": \(shared)")
        let bytes = Array(text.utf8)
        return TargetLoader.LoadedTarget(target: try TargetLoader.decode(bytes, path: "small.json"), path: "small.json", fileBytes: bytes)
    }

    func testEveryTilingAndSynapseFormRunsLikeTheLayersOnOneCoreEach() throws {
        let model = Self.model()
        let bytes = try ModelFile.encode(model)
        let inputs = Self.inputs(count: 3)
        let whole = try ModelCompiler.compile(model: model, modelBytes: bytes, target: try TargetLoader.load("emulator"), calibration: inputs).image
        XCTAssertEqual(whole.cores.count, 4, "one core per layer on the emulator")
        let tiledShared = try ModelCompiler.compile(model: model, modelBytes: bytes, target: try Self.smallCores(shared: true), calibration: inputs).image
        let tiledExpanded = try ModelCompiler.compile(model: model, modelBytes: bytes, target: try Self.smallCores(shared: false), calibration: inputs).image
        XCTAssertGreaterThan(tiledShared.cores.filter { $0.layer == 0 }.count, 8, "256 conv neurons on 20-neuron cores")
        XCTAssertTrue(tiledShared.cores.filter { $0.tile != nil }.allSatisfy { $0.form == .sharedKernel })
        XCTAssertTrue(tiledExpanded.cores.filter { $0.tile != nil }.allSatisfy { $0.form == .expanded })
        XCTAssertEqual(tiledShared.cores.map(\.tile), tiledExpanded.cores.map(\.tile))
        XCTAssertLessThan(tiledShared.cores[0].weights.count, tiledExpanded.cores[0].weights.count, "a shared kernel is stored once")
        for image in [whole, tiledShared, tiledExpanded] {
            XCTAssertEqual(Array(ImageEncoder.encode(image)[8..<12]), [2, 0, 0, 0], "a spatial image is version 2")
            XCTAssertEqual(try ImageDecoder.decode(ImageEncoder.encode(image)), image)
        }
        for input in inputs {
            var below = TestImages.steps(input)
            let runs = try [whole, tiledShared, tiledExpanded].map { try Emulator(image: $0).run(input, recording: .spikes) }
            for l in whole.layers.indices {
                // The reference: the one-core image's layer, whose axons and neurons are the model's.
                let core = try XCTUnwrap(whole.cores.first { $0.layer == l })
                let layer = whole.layers[l]
                let reference = FixedPointLayer(rule: layer.rule, axonCount: layer.inputCount, neuronCount: layer.neuronCount,
                                                weights: core.expandedWeights(layer: layer), thresholds: layer.thresholds,
                                                laterals: layer.laterals).run(input: below)
                XCTAssertGreaterThan(reference.spikeCounts.reduce(0, +), 0, "layer \(l) should fire")
                for (image, run) in zip([whole, tiledShared, tiledExpanded], runs) {
                    let modelIndex = image.modelIndexOfImageNeuron(layer: l)
                    let spikes = TestImages.steps(try XCTUnwrap(run.layerSpikes?[l])).map { step in step.map { Int32(modelIndex[Int($0)]) }.sorted() }
                    XCTAssertEqual(spikes, reference.spikes, "\(image.target.name) layer \(l)")
                    XCTAssertEqual(run.saturations[l], reference.saturations)
                }
                below = reference.spikes
            }
            XCTAssertEqual(Set(runs.map(\.prediction)).count, 1)
        }
    }

    /// The authors' MNIST CNN does not fit the small boards (too few cores, and on the nano too
    /// many destinations per source) and fits the Loihi-class board with shared kernels.
    func testTheAuthorsCNNFitsOnlyTheLargeBoard() throws {
        let architecture = try Architecture.parse("28x28-15C5-P2-40C5-P2-300-10")
        let network = try XCTUnwrap(Self.randomNetwork(architecture))
        let model = Model(network: network, provenance: Provenance(dataset: "mnist", seed: 1))
        let bytes = try ModelFile.encode(model)
        for board in ["hm2bp-nano", "hm2bp-micro"] {
            XCTAssertThrowsError(try ModelCompiler.compile(model: model, modelBytes: bytes, target: try TargetLoader.load(board), calibration: [])) { error in
                let failure = error as? CompileFailure
                XCTAssertTrue(failure?.diagnostics.contains { $0.resource.hasPrefix("cores (layer 0:") } ?? false, "\(board): \(error)")
                XCTAssertTrue(failure?.diagnostics.flatMap(\.fixes).contains("use target hm2bp-large") ?? false, "\(board)")
            }
        }
        let image = try ModelCompiler.compile(model: model, modelBytes: bytes, target: try TargetLoader.load("hm2bp-large"), calibration: []).image
        XCTAssertLessThanOrEqual(image.cores.count, 128)
        XCTAssertEqual(image.layers.map(\.neuronCount), [8640, 2160, 2560, 640, 300, 10])
        for core in image.cores where core.tile != nil {
            XCTAssertEqual(core.form, .sharedKernel)
            XCTAssertLessThanOrEqual(core.neuronCount, 1024)
            XCTAssertLessThanOrEqual(core.axonCount, 4096)
        }
    }

    static func randomNetwork(_ architecture: Architecture) -> Network? {
        var random = SplitMix64(seed: 3)
        var spatial: [SpatialLayer] = []
        var shape = architecture.input
        for stage in architecture.stages {
            switch stage {
            case .convolution(let kernels, let size):
                let layer = ConvolutionLayer(input: shape, kernelCount: kernels, kernelSize: size, threshold: 5,
                                             weights: (0..<(kernels * shape.channels * size * size)).map { _ in Float(random.next() % 1000) / 1000 - 0.5 })
                spatial.append(.convolution(layer)); shape = layer.output
            case .pooling(let size):
                let layer = PoolingLayer(input: shape, size: size, threshold: 0.75)
                spatial.append(.pooling(layer)); shape = layer.output
            case .dense:
                break
            }
        }
        var width = shape.count
        var layers: [DenseLayer] = []
        for case .dense(let next) in architecture.stages {
            layers.append(DenseLayer(inputCount: width, outputCount: next, threshold: 10, lateralInhibition: 0,
                                     weights: (0..<(width * next)).map { _ in Float(random.next() % 1000) / 1000 - 0.5 }))
            width = next
        }
        return Network(constants: NeuronConstants(), spatialLayers: spatial, layers: layers)
    }
}
