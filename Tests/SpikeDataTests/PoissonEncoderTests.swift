import SpikeData
import SpikeModel
import XCTest

final class PoissonEncoderTests: XCTestCase {
    /// An MNIST-like image: a block of full and mid intensities among zeros.
    let image: [UInt8] = (0..<784).map { i in
        let (row, column) = (i / 28, i % 28)
        guard (6..<22).contains(row) && (9..<19).contains(column) else { return 0 }
        return UInt8((row * 37 + column * 11) % 256)
    }

    func testSameSeedAndIndexGiveIdenticalTrains() {
        let encoder = PoissonEncoder(timeSteps: 400, seed: 42)
        let a = encoder.encode(image[...], sampleIndex: 17)
        let b = PoissonEncoder(timeSteps: 400, seed: 42).encode(image[...], sampleIndex: 17)
        XCTAssertEqual(a, b)
        XCTAssertGreaterThan(a.totalSpikes, 1000)
        XCTAssertEqual(a.neuronCount, 784)
        XCTAssertEqual(a.timeSteps, 400)
        XCTAssertEqual(a.filledSteps, 400)
    }

    func testDifferentSeedsAndIndicesDiffer() {
        let encoder = PoissonEncoder(timeSteps: 400, seed: 42)
        let base = encoder.encode(image[...], sampleIndex: 0)
        XCTAssertNotEqual(base, encoder.encode(image[...], sampleIndex: 1))
        XCTAssertNotEqual(base, PoissonEncoder(timeSteps: 400, seed: 43).encode(image[...], sampleIndex: 0))
    }

    func testStepZeroAndZeroPixelsAreSilentAndStepsAscend() {
        let raster = PoissonEncoder(timeSteps: 400, seed: 7).encode(image[...], sampleIndex: 3)
        XCTAssertTrue(raster.firing(at: 0).isEmpty)
        for t in 0..<raster.timeSteps {
            let firing = Array(raster.firing(at: t))
            XCTAssertEqual(firing, firing.sorted())
            XCTAssertEqual(Set(firing).count, firing.count)
            for n in firing { XCTAssertNotEqual(image[Int(n)], 0, "zero pixel \(n) fired at step \(t)") }
        }
    }

    func testFullIntensityPixelFiresAbout72TimesIn400Steps() {
        // 784 pixels of 255 over 50 samples: 39,200 trains of 399 Bernoulli(1/5.5) steps.
        // Mean 72.545, sd per train 7.70, so the mean over 39,200 trains has sd 0.039: ±0.3 is 7.7 sd.
        let white = [UInt8](repeating: 255, count: 784)
        let encoder = PoissonEncoder(timeSteps: 400, seed: 2024)
        var total = 0
        var perTrain: [Int32] = []
        for sample in 0..<50 {
            let counts = encoder.encode(white[...], sampleIndex: sample).counts()
            total += counts.reduce(0) { $0 + Int($1) }
            perTrain += counts
        }
        let mean = Double(total) / Double(perTrain.count)
        XCTAssertEqual(mean, 399.0 / 5.5, accuracy: 0.3)
        let variance = perTrain.reduce(0.0) { $0 + pow(Double($1) - mean, 2) } / Double(perTrain.count)
        let expected = 399.0 * (1 / 5.5) * (1 - 1 / 5.5)
        XCTAssertEqual(variance, expected, accuracy: expected * 0.05, "spikes must be independent per step")
    }

    func testRateScalesWithIntensity() {
        // q = 100/1402.5 = 0.0713 per step: 28.45 spikes expected in 399 steps.
        let grey = [UInt8](repeating: 100, count: 784)
        let encoder = PoissonEncoder(timeSteps: 400, seed: 5)
        var total = 0
        for sample in 0..<20 { total += encoder.encode(grey[...], sampleIndex: sample).totalSpikes }
        XCTAssertEqual(Double(total) / (20 * 784), 399 * 100 / 1402.5, accuracy: 0.3)
    }

    func testEncodesSlicesOfALargerArrayByOffset() throws {
        let two = image + [UInt8](repeating: 0, count: 784)
        let encoder = PoissonEncoder(timeSteps: 50, seed: 1)
        XCTAssertEqual(encoder.encode(two[0..<784], sampleIndex: 9), encoder.encode(image[...], sampleIndex: 9))
        XCTAssertEqual(encoder.encode(two[784..<1568], sampleIndex: 9).totalSpikes, 0)
        XCTAssertEqual(PoissonEncoder(timeSteps: 1, seed: 1).encode(image[...], sampleIndex: 0).totalSpikes, 0)
    }
}
