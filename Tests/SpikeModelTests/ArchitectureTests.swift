import XCTest
@testable import SpikeModel

final class ArchitectureTests: XCTestCase {
    func testTheReferenceCNNParsesAndPrintsBack() throws {
        let text = "28x28-15C5-P2-40C5-P2-300-10"
        let architecture = try Architecture.parse(text)
        XCTAssertEqual(architecture.input, FeatureMapShape(channels: 1, height: 28, width: 28))
        XCTAssertEqual(architecture.stages, [.convolution(kernels: 15, size: 5), .pooling(size: 2), .convolution(kernels: 40, size: 5),
                                             .pooling(size: 2), .dense(width: 300), .dense(width: 10)])
        XCTAssertEqual(architecture.description, text)
        XCTAssertTrue(architecture.isConvolutional)
        XCTAssertEqual(architecture.inputCount, 784)
        XCTAssertEqual(try Architecture.parse("34x34x2-12c3-P2-10").input, FeatureMapShape(channels: 2, height: 34, width: 34))
        XCTAssertEqual(try Architecture.parse("784-800-10"), [784, 800, 10])
        XCTAssertFalse(try Architecture.parse("28x28-800-10").isConvolutional)
        XCTAssertEqual(try Architecture.parse("28x28-800-10").inputCount, 784)
    }

    func testBadArchitecturesNameTheOffendingLayer() {
        let cases = [
            "28x28-15C5-P5-10": "P5 (layer 2)",        // 24 is not a multiple of 5
            "784-15C5-10": "15C5 (layer 1) needs a feature map",
            "28x28-300-P2-10": "P2 (layer 2) needs a feature map",
            "28x28-15C5": "the last layer must be fully connected",
            "28x28-3C29-10": "3C29 (layer 1)",
            "28x28-0C5-10": "0C5 (layer 1)",
            "28x28x0-10": "input",
            "28y28-10": "the input '28y28'",
            "28x28-15Q5-10": "'15Q5' is not a layer",
        ]
        for (text, expected) in cases {
            XCTAssertThrowsError(try Architecture.parse(text), text) { error in
                XCTAssertTrue("\(error)".contains(expected), "\(text): \(error)")
            }
        }
    }

    func testNetworkNamesItsArchitecture() {
        let conv = ConvolutionLayer(input: FeatureMapShape(channels: 2, height: 6, width: 8), kernelCount: 3, kernelSize: 3,
                                    threshold: 5, weights: [Float](repeating: 0.1, count: 3 * 2 * 9))
        let pool = PoolingLayer(input: conv.output, size: 2, threshold: 2)
        let dense = DenseLayer(inputCount: pool.output.count, outputCount: 4, threshold: 8, weights: [Float](repeating: 0, count: pool.output.count * 4))
        let network = Network(constants: NeuronConstants(), spatialLayers: [.convolution(conv), .pooling(pool)], layers: [dense])
        XCTAssertEqual(conv.output, FeatureMapShape(channels: 3, height: 4, width: 6))
        XCTAssertEqual(network.architectureName, "6x8x2-3C3-P2-4")
        XCTAssertEqual(network.architecture, [96, 72, 18, 4])
        XCTAssertEqual(network.synapseCount, 54 + 72, "shared kernels count once")
    }
}
