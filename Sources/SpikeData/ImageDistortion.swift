import Foundation
import Kernels

/// The CNN's data augmentation (algorithm section 2): a Simard-style elastic distortion plus
/// random scaling and rotation, as the reference's `dataAugmentation/cuTransformation.cu`
/// (from zhxfl/CUDA-CNN) computes it, applied to a training image before its spikes are drawn.
///
/// A displacement (dH, dV) per pixel is the sum of: an elastic field, uniform noise in [-1, 1]
/// convolved with a 21 x 21 Gaussian (σ = 4, weights 1/(2πσ)·exp(−r²/2σ²), not normalised,
/// zero outside the image) times `elastic`; a scaling s·(column − mid, row − mid) with s drawn
/// per axis from [0, maxScale] percent; and a rotation by an angle from [−maxRotation,
/// maxRotation] degrees about (mid, mid), mid = side / 2. Each output pixel reads the input at
/// (row − dV, column − dH) bilinearly; a source whose 2 x 2 neighbourhood leaves the image is
/// background (intensity 0). Intensities are interpolated on the reference's [−1, 1] scale and
/// rounded back to the nearest 8-bit grey level, so the spike probability is q = p / (5.5·255)
/// as for undistorted images.
///
/// Deliberate differences from the reference code, which are bugs there rather than choices:
/// its horizontal and vertical elastic fields read the same noise when the batch size is 1
/// (making every elastic displacement diagonal), and its scale and rotation reuse the first two
/// noise values; here all of them are independent draws.
public struct ImageDistortion: Sendable {
    public var elastic: Float
    public var maxScalePercent: Float
    public var maxRotationDegrees: Float
    public static let fieldSize = 21
    public static let sigma: Float = 4

    /// The reference CNN configuration: elastic 3.4, scale 12 %, rotation 12°.
    public init(elastic: Float = 3.4, maxScalePercent: Float = 12, maxRotationDegrees: Float = 12) {
        self.elastic = elastic
        self.maxScalePercent = maxScalePercent
        self.maxRotationDegrees = maxRotationDegrees
    }

    /// One random distortion of a rows x columns image.
    public func distort(_ pixels: ArraySlice<UInt8>, rows: Int, columns: Int, using generator: inout SplitMix64) -> [UInt8] {
        let count = rows * columns
        let noiseH = (0..<count).map { _ in Float.random(in: -1...1, using: &generator) }
        let noiseV = (0..<count).map { _ in Float.random(in: -1...1, using: &generator) }
        let scaleH = Float.random(in: 0...1, using: &generator) * maxScalePercent / 100
        let scaleV = Float.random(in: 0...1, using: &generator) * maxScalePercent / 100
        let angle = Float.random(in: -1...1, using: &generator) * maxRotationDegrees
        var dH = Self.smoothed(noiseH, rows: rows, columns: columns).map { $0 * elastic }
        var dV = Self.smoothed(noiseV, rows: rows, columns: columns).map { $0 * elastic }
        Self.addAffine(&dH, &dV, rows: rows, columns: columns, scaleH: scaleH, scaleV: scaleV, degrees: angle)
        return Self.resample(pixels, rows: rows, columns: columns, dH: dH, dV: dV)
    }

    /// The image warped by an affine displacement only (scaling per axis, rotation in degrees).
    public static func transform(_ pixels: ArraySlice<UInt8>, rows: Int, columns: Int,
                                 scaleH: Float, scaleV: Float, degrees: Float) -> [UInt8] {
        var dH = [Float](repeating: 0, count: rows * columns), dV = dH
        addAffine(&dH, &dV, rows: rows, columns: columns, scaleH: scaleH, scaleV: scaleV, degrees: degrees)
        return resample(pixels, rows: rows, columns: columns, dH: dH, dV: dV)
    }

    static func addAffine(_ dH: inout [Float], _ dV: inout [Float], rows: Int, columns: Int,
                          scaleH: Float, scaleV: Float, degrees: Float) {
        let radians = Double(degrees) * Double.pi / 180
        let cosine = Float(cos(radians)), sine = Float(sin(radians))
        let midRow = rows / 2, midColumn = columns / 2
        for row in 0..<rows {
            for column in 0..<columns {
                let index = row * columns + column
                let x = Float(row - midRow), y = Float(column - midColumn)
                dH[index] += scaleH * y + (y - y * cosine - x * sine)
                dV[index] += scaleV * x + (x - x * cosine + y * sine)
            }
        }
    }

    /// The noise convolved with the (separable) Gaussian, zero outside the image.
    static func smoothed(_ noise: [Float], rows: Int, columns: Int) -> [Float] {
        let half = fieldSize / 2
        let scale = 1 / (sigma * 2 * Float.pi)
        let taps = (0..<fieldSize).map { k -> Float in exp(-Float((k - half) * (k - half)) / (2 * sigma * sigma)) }
        var horizontal = [Float](repeating: 0, count: rows * columns)
        for row in 0..<rows {
            for column in 0..<columns {
                var sum: Float = 0
                for k in 0..<fieldSize where (0..<columns).contains(column - half + k) { sum += taps[k] * noise[row * columns + column - half + k] }
                horizontal[row * columns + column] = sum
            }
        }
        var result = horizontal
        for row in 0..<rows {
            for column in 0..<columns {
                var sum: Float = 0
                for k in 0..<fieldSize where (0..<rows).contains(row - half + k) { sum += taps[k] * horizontal[(row - half + k) * columns + column] }
                result[row * columns + column] = sum * scale
            }
        }
        return result
    }

    /// Bilinear resampling at (row − dV, column − dH) on the [−1, 1] intensity scale.
    static func resample(_ pixels: ArraySlice<UInt8>, rows: Int, columns: Int, dH: [Float], dV: [Float]) -> [UInt8] {
        let base = pixels.startIndex
        func intensity(_ r: Int, _ c: Int) -> Float { Float(pixels[base + r * columns + c]) / 255 * 2 - 1 }
        var output = [UInt8](repeating: 0, count: rows * columns)
        for row in 0..<rows {
            for column in 0..<columns {
                let index = row * columns + column
                let sourceRow = Float(row) - dV[index], sourceColumn = Float(column) - dH[index]
                let r = Int(sourceRow.rounded(.down)), c = Int(sourceColumn.rounded(.down))
                guard r >= 0, c >= 0, r + 1 < rows, c + 1 < columns else {
                    // The last row and column map to themselves when the displacement is zero.
                    if dH[index] == 0 && dV[index] == 0 { output[index] = pixels[base + index] }
                    continue
                }
                let fr = sourceRow - Float(r), fc = sourceColumn - Float(c)
                let value = (1 - fr) * (1 - fc) * intensity(r, c) + (1 - fr) * fc * intensity(r, c + 1)
                    + fr * (1 - fc) * intensity(r + 1, c) + fr * fc * intensity(r + 1, c + 1)
                output[index] = UInt8(max(0, min(255, ((value + 1) / 2 * 255).rounded())))
            }
        }
        return output
    }
}
