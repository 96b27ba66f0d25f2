import Kernels
import XCTest
@testable import SpikeData

final class ImageDistortionTests: XCTestCase {
    /// A 28x28 image with a bright 6x10 bar, a blurred edge and one lone pixel.
    func sampleImage() -> [UInt8] {
        var image = [UInt8](repeating: 0, count: 784)
        for row in 8..<18 { for column in 11..<17 { image[row * 28 + column] = 255 } }
        for row in 8..<18 { image[row * 28 + 17] = 128 }
        image[22 * 28 + 5] = 200
        return image
    }

    func testNoDistortionKeepsTheImage() {
        var generator = SplitMix64(seed: 1)
        let none = ImageDistortion(elastic: 0, maxScalePercent: 0, maxRotationDegrees: 0)
        XCTAssertEqual(none.distort(sampleImage()[...], rows: 28, columns: 28, using: &generator), sampleImage())
    }

    /// A quarter turn about (14, 14) moves input (r, c) to output (c, 28 - r).
    func testRotationMovesPixelsWhereTheGeometrySays() {
        var image = [UInt8](repeating: 0, count: 784)
        image[10 * 28 + 14] = 255
        image[20 * 28 + 9] = 100
        let turned = ImageDistortion.transform(image[...], rows: 28, columns: 28, scaleH: 0, scaleV: 0, degrees: 90)
        XCTAssertEqual(turned[14 * 28 + 18], 255)
        XCTAssertEqual(turned[9 * 28 + 8], 100)
        XCTAssertEqual(turned.filter { $0 != 0 }.count, 2, "nothing else lights up")
    }

    /// Scaling by s reads column mid + (1 - s)(c - mid): the bar grows wider.
    func testScalingEnlargesAboutTheCentre() {
        let scaled = ImageDistortion.transform(sampleImage()[...], rows: 28, columns: 28, scaleH: 0.12, scaleV: 0, degrees: 0)
        let ink = { (image: [UInt8]) in (0..<28).reduce(0) { $0 + Int(image[12 * 28 + $1]) } }
        XCTAssertEqual(Double(ink(scaled)) / Double(ink(sampleImage())), 1 / 0.88, accuracy: 0.05, "a row's ink grows by 1 / (1 - s)")
    }

    func testRandomDistortionsAreSeededAndModerate() {
        let distortion = ImageDistortion()
        var a = SplitMix64(seed: 5), b = SplitMix64(seed: 5), c = SplitMix64(seed: 6)
        let first = distortion.distort(sampleImage()[...], rows: 28, columns: 28, using: &a)
        XCTAssertEqual(first, distortion.distort(sampleImage()[...], rows: 28, columns: 28, using: &b))
        XCTAssertNotEqual(first, distortion.distort(sampleImage()[...], rows: 28, columns: 28, using: &c))
        XCTAssertNotEqual(first, sampleImage())
        let mass = { (image: [UInt8]) in image.reduce(0) { $0 + Int($1) } }
        XCTAssertEqual(Double(mass(first)) / Double(mass(sampleImage())), 1, accuracy: 0.4, "the digit keeps roughly its ink")
        let overlap = zip(first, sampleImage()).filter { $0 > 127 && $1 > 127 }.count
        XCTAssertGreaterThan(overlap, 30, "the bar stays mostly in place (60 bright pixels)")
    }
}
