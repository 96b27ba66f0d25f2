import Foundation
import Kernels
import SpikeModel

/// The backward pass and Adam update of one fully connected layer for one sample
/// (algorithm section 4.5), split over the cores by postsynaptic neuron.
///
/// Per sample: the S-PSP matrix E (pre-major, like the weights) from kernel rows; then one pass
/// over the rows accumulating the side effect, the regularizer's q and the error for the layer
/// below (with the pre-update weights); then one fused pass computing each gradient and applying
/// Adam. E, the kernel scratch and the Adam moments live here and are reused across samples.
final class LayerTrainer {
    let inputCount: Int
    let outputCount: Int
    let timeSteps: Int
    let kernel: SPSPKernel
    let chunks: [Range<Int>]
    /// E[j * outputCount + i] = e_{i|j} of the current sample.
    let spsp: UnsafeMutablePointer<Float>
    var adamFirst: [Float]
    var adamSecond: [Float]
    /// Adam's step count t (starts at 1 with the first sample).
    var adamStep: Int = 0
    /// Per chunk: kernel rows transposed (T x chunk width), one kernel row, error partials.
    private var transposedKernels: [UnsafeMutablePointer<Float>]
    private var kernelRows: [UnsafeMutablePointer<Float>]
    private var errorPartials: [[Float]]

    init(inputCount: Int, outputCount: Int, constants: NeuronConstants, kernel: SPSPKernel) {
        self.inputCount = inputCount
        self.outputCount = outputCount
        self.timeSteps = constants.timeSteps
        self.kernel = kernel
        chunks = Parallel.chunks(of: outputCount)
        spsp = .allocate(capacity: inputCount * outputCount)
        spsp.initialize(repeating: 0, count: inputCount * outputCount)
        adamFirst = .init(repeating: 0, count: inputCount * outputCount)
        adamSecond = .init(repeating: 0, count: inputCount * outputCount)
        transposedKernels = chunks.map { UnsafeMutablePointer<Float>.allocate(capacity: constants.timeSteps * $0.count) }
        kernelRows = chunks.map { _ in UnsafeMutablePointer<Float>.allocate(capacity: constants.timeSteps) }
        errorPartials = chunks.map { _ in [Float](repeating: 0, count: inputCount) }
    }

    deinit {
        spsp.deallocate()
        transposedKernels.forEach { $0.deallocate() }
        kernelRows.forEach { $0.deallocate() }
    }

    /// What the backward pass of one layer needs about the sample.
    struct Sample {
        /// Spikes of the layer below (the input of this layer).
        var input: SpikeRaster
        var inputCounts: [Int32]
        /// Spike times of this layer's neurons used for the S-PSP (with target injection).
        var postTimes: [[Int32]]
        var postCounts: [Int32]
        /// δ_i: the incoming error already divided by this layer's threshold.
        var delta: [Float]
        /// λ_i, the lateral factor (nil: all 1).
        var lateralFactor: [Float]?
    }

    /// Computes E, the error for the layer below (when `propagate`), and applies one Adam step
    /// to `layer.weights`. Returns err_j, the error of the layer below before its own ν.
    func backward(
        _ sample: Sample, layer: inout DenseLayer, config: TrainingConfig, learningRate: Float, propagate: Bool,
        gradientSink: UnsafeMutablePointer<Float>? = nil
    ) -> [Float]? {
        adamStep += 1
        let c1 = Float(1 / (1 - pow(Double(config.adamBeta1), Double(adamStep))))
        let c2 = Float(1 / (1 - pow(Double(config.adamBeta2), Double(adamStep))))
        let width = outputCount
        let threshold = layer.threshold
        layer.weights.withUnsafeMutableBufferPointer { weightBuffer in
            adamFirst.withUnsafeMutableBufferPointer { firstBuffer in
                adamSecond.withUnsafeMutableBufferPointer { secondBuffer in
                    let weights = weightBuffer.baseAddress!, first = firstBuffer.baseAddress!, second = secondBuffer.baseAddress!
                    Parallel.forEach(chunks) { chunk, range in
                        buildSPSP(sample, neurons: range, chunk: chunk)
                        let n = range.count, base = range.lowerBound
                        // Pass 1: side-effect sums, regularizer q, and err partials.
                        var effectSum = [Float](repeating: 0, count: n)
                        var weightSum = [Float](repeating: 0, count: n)
                        var squareSum = [Float](repeating: 0, count: n)
                        var activeDelta = [Float](repeating: 0, count: n)
                        var silentDelta = [Float](repeating: 0, count: n)
                        for k in 0..<n {
                            let fired = sample.postCounts[base + k] > 0
                            activeDelta[k] = fired && config.effectRatio ? sample.delta[base + k] : 0
                            silentDelta[k] = fired && config.effectRatio ? 0 : sample.delta[base + k]
                        }
                        errorPartials[chunk].withUnsafeMutableBufferPointer { partial in
                            for j in 0..<inputCount {
                                let w = weights + j * width + base
                                let e = spsp + j * width + base
                                for k in 0..<n {
                                    effectSum[k] += w[k] * e[k]
                                    weightSum[k] += w[k]
                                    squareSum[k] += w[k] * w[k]
                                }
                                guard propagate else { continue }
                                let preCount = sample.inputCounts[j]
                                if preCount > 0 {
                                    partial[j] = weightedEffect(activeDelta, w, e, n) / Float(preCount) + dotProduct(silentDelta, w, n)
                                } else {
                                    partial[j] = dotProduct(activeDelta, w, n) + dotProduct(silentDelta, w, n)
                                }
                            }
                        }
                        // Per neuron: gradient coefficient and regularizer scale.
                        var coefficient = [Float](repeating: 0, count: n)
                        var regularizer = [Float](repeating: 0, count: n)
                        let inverseLimit = 1 / config.weightLimit
                        for k in 0..<n {
                            let count = sample.postCounts[base + k]
                            let sideEffect = count > 0
                                ? effectSum[k] / (threshold * Float(count))
                                : config.silentPostRatio * weightSum[k] / threshold
                            coefficient[k] = sample.delta[base + k] * (1 + sideEffect) * (sample.lateralFactor?[base + k] ?? 1)
                            let q = squareSum[k] / Float(inputCount) * inverseLimit * inverseLimit
                            regularizer[k] = config.regularizerLambda * config.regularizerBeta * inverseLimit
                                * expf(config.regularizerBeta * (q - 1))
                        }
                        // Pass 2: gradient and Adam, fused.
                        let beta1 = config.adamBeta1, beta2 = config.adamBeta2, epsilon = config.adamEpsilon
                        let oneMinusBeta1 = 1 - beta1, oneMinusBeta2 = 1 - beta2
                        let rate = learningRate
                        for j in 0..<inputCount {
                            let offset = j * width + base
                            let w = weights + offset, e = spsp + offset, m = first + offset, v = second + offset
                            if let gradientSink {
                                for k in 0..<n { gradientSink[offset + k] = coefficient[k] * e[k] + regularizer[k] * w[k] }
                            }
                            for k in 0..<n {
                                let g = coefficient[k] * e[k] + regularizer[k] * w[k]
                                let mk = beta1 * m[k] + oneMinusBeta1 * g
                                let vk = beta2 * v[k] + oneMinusBeta2 * g * g
                                m[k] = mk
                                v[k] = vk
                                w[k] -= rate * (mk * c1) / ((vk * c2).squareRoot() + epsilon)
                            }
                        }
                    }
                }
            }
        }
        guard propagate else { return nil }
        var errors = errorPartials[0]
        for partial in errorPartials.dropFirst() {
            for j in 0..<inputCount { errors[j] += partial[j] }
        }
        return errors
    }

    /// E for neurons `range`: kernel rows, transposed so each input spike adds one contiguous
    /// row segment, then the silent-neuron rule.
    private func buildSPSP(_ sample: Sample, neurons range: Range<Int>, chunk: Int) {
        let n = range.count, width = outputCount, steps = timeSteps
        let transposed = transposedKernels[chunk], row = kernelRows[chunk]
        transposed.initialize(repeating: 0, count: steps * n)
        for k in 0..<n {
            let fired = sample.postTimes[range.lowerBound + k].withUnsafeBufferPointer { post -> Bool in
                guard !post.isEmpty else { return false }
                row.initialize(repeating: 0, count: steps)
                return kernel.accumulateRow(post: post, into: row)
            }
            if fired {
                for t in 1..<steps { transposed[t * n + k] = row[t] }
            }
        }
        for j in 0..<inputCount {
            (spsp + j * width + range.lowerBound).initialize(repeating: 0, count: n)
        }
        for t in 1..<steps {
            let kernelRow = transposed + t * n
            for j in sample.input.firing(at: t) {
                addInPlace(spsp + Int(j) * width + range.lowerBound, kernelRow, count: n)
            }
        }
        let silentValue = kernel.parameters.silentPostValue
        for k in 0..<n where sample.postCounts[range.lowerBound + k] == 0 {
            for j in 0..<inputCount where sample.inputCounts[j] > 0 {
                spsp[j * width + range.lowerBound + k] = silentValue
            }
        }
    }
}

/// Σ a[k] * w[k] * e[k] with vector partial sums (a plain loop would not vectorise a reduction).
@inline(__always)
private func weightedEffect(_ a: [Float], _ w: UnsafeMutablePointer<Float>, _ e: UnsafeMutablePointer<Float>, _ n: Int) -> Float {
    a.withUnsafeBufferPointer { aBuffer in
        let ap = aBuffer.baseAddress!
        var acc = SIMD16<Float>()
        var k = 0
        while k + 16 <= n {
            let av = UnsafeRawPointer(ap + k).loadUnaligned(as: SIMD16<Float>.self)
            let wv = UnsafeRawPointer(w + k).loadUnaligned(as: SIMD16<Float>.self)
            let ev = UnsafeRawPointer(e + k).loadUnaligned(as: SIMD16<Float>.self)
            acc.addProduct(av * wv, ev)
            k += 16
        }
        var total = acc.sum()
        while k < n { total += ap[k] * w[k] * e[k]; k += 1 }
        return total
    }
}

@inline(__always)
private func dotProduct(_ a: [Float], _ w: UnsafeMutablePointer<Float>, _ n: Int) -> Float {
    a.withUnsafeBufferPointer { dot($0.baseAddress!, w, count: n) }
}
