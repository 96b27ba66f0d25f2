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
    /// Per chunk: seven per-neuron vectors (sums, deltas, coefficients) of the chunk's width.
    private var columnScratch: [UnsafeMutablePointer<Float>]

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
        columnScratch = chunks.map { UnsafeMutablePointer<Float>.allocate(capacity: 7 * $0.count) }
    }

    deinit {
        spsp.deallocate()
        transposedKernels.forEach { $0.deallocate() }
        kernelRows.forEach { $0.deallocate() }
        columnScratch.forEach { $0.deallocate() }
    }

    /// What the backward pass of one layer needs about the sample.
    struct Sample {
        /// Spikes of the layer below (the input of this layer), by neuron.
        var inputTrains: SpikeTrains
        var inputCounts: [Int32]
        /// Spike times of this layer's neurons used for the S-PSP (with target injection).
        var postTrains: SpikeTrains
        var postCounts: [Int32]
        /// δ_i: the incoming error already divided by this layer's threshold.
        var delta: [Float]
        /// λ_i, the lateral factor (nil: all 1).
        var lateralFactor: [Float]?
    }

    /// Computes E, the error for the layer below (when `propagate`), and applies one Adam step
    /// to `layer.weights`. Returns err_j, the error of the layer below before its own ν.
    /// `gradientSink`, when given, receives every gradient (for tests).
    func backward(
        _ sample: Sample, layer: inout DenseLayer, config: TrainingConfig, learningRate: Float, propagate: Bool,
        gradientSink: UnsafeMutablePointer<Float>? = nil
    ) -> [Float]? {
        adamStep += 1
        let step = AdamStep(
            beta1: config.adamBeta1, beta2: config.adamBeta2, epsilon: config.adamEpsilon, learningRate: learningRate,
            firstCorrection: Float(1 / (1 - pow(Double(config.adamBeta1), Double(adamStep)))),
            secondCorrection: Float(1 / (1 - pow(Double(config.adamBeta2), Double(adamStep)))))
        let width = outputCount
        let threshold = layer.threshold
        layer.weights.withUnsafeMutableBufferPointer { weightBuffer in
            adamFirst.withUnsafeMutableBufferPointer { firstBuffer in
                adamSecond.withUnsafeMutableBufferPointer { secondBuffer in
                    let weights = weightBuffer.baseAddress!, first = firstBuffer.baseAddress!, second = secondBuffer.baseAddress!
                    Parallel.forEach(chunks) { chunk, range in
                        buildSPSP(sample, neurons: range, chunk: chunk)
                        let n = range.count, base = range.lowerBound
                        let scratch = columnScratch[chunk]
                        let effectSum = scratch, weightSum = scratch + n, squareSum = scratch + 2 * n
                        let activeDelta = scratch + 3 * n, silentDelta = scratch + 4 * n
                        let coefficient = scratch + 5 * n, regularizer = scratch + 6 * n
                        scratch.initialize(repeating: 0, count: 3 * n)
                        // r_ij = e_ij / o_j needs o_i > 0; silent post neurons (and the rate-only
                        // ablation) propagate with r = 1.
                        for k in 0..<n {
                            let useRatio = sample.postCounts[base + k] > 0 && config.effectRatio
                            activeDelta[k] = useRatio ? sample.delta[base + k] : 0
                            silentDelta[k] = useRatio ? 0 : sample.delta[base + k]
                        }
                        // Pass 1 (pre-update weights): side-effect sums, regularizer q, err partials.
                        errorPartials[chunk].withUnsafeMutableBufferPointer { partial in
                            for j in 0..<inputCount {
                                let w = weights + j * width + base
                                let e = spsp + j * width + base
                                accumulateColumnStatistics(weights: w, spsp: e, count: n, effect: effectSum, sum: weightSum, squares: squareSum)
                                guard propagate else { continue }
                                let preCount = sample.inputCounts[j]
                                partial[j] = preCount > 0
                                    ? weightedDot(activeDelta, w, e, count: n) / Float(preCount) + dot(silentDelta, w, count: n)
                                    : dot(activeDelta, w, count: n) + dot(silentDelta, w, count: n)
                            }
                        }
                        // Per neuron: δ(1 + σ)λ and the regularizer's scale λβ/L·exp(β(q − 1)).
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
                        for j in 0..<inputCount {
                            let offset = j * width + base
                            if let gradientSink {
                                for k in 0..<n { gradientSink[offset + k] = coefficient[k] * spsp[offset + k] + regularizer[k] * weights[offset + k] }
                            }
                            adamUpdate(weights: weights + offset, spsp: spsp + offset, first: first + offset, second: second + offset,
                                       coefficient: coefficient, regularizer: regularizer, count: n, step: step)
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
            let fired = sample.postTrains.times(of: range.lowerBound + k).withUnsafeBufferPointer { post -> Bool in
                guard !post.isEmpty else { return false }
                row.initialize(repeating: 0, count: steps)
                return kernel.accumulateRow(post: post, into: row)
            }
            if fired {
                for t in 1..<steps { transposed[t * n + k] = row[t] }
            }
        }
        // Row j of E is the sum of the kernel rows at j's spike times: one register-tiled
        // pass per input, each E row written once.
        sample.inputTrains.starts.withUnsafeBufferPointer { starts in
            sample.inputTrains.times.withUnsafeBufferPointer { times in
                for j in 0..<inputCount {
                    let row = spsp + j * width + range.lowerBound
                    row.initialize(repeating: 0, count: n)
                    let spikes = UnsafeBufferPointer(rebasing: times[Int(starts[j])..<Int(starts[j + 1])])
                    accumulateRows(into: row, rows: transposed, rowStride: n, indices: spikes, count: n)
                }
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

