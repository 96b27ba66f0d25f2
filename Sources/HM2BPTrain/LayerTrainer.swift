import Foundation
import Kernels
import SpikeModel

/// The backward pass and Adam update of one fully connected layer for one sample
/// (algorithm section 4.5), split over the cores by postsynaptic neuron.
///
/// Per sample and chunk of neurons: the kernel rows K (transposed, T x chunk); then one sweep
/// over the inputs that fired, building each S-PSP row of E from K and, while it is hot,
/// adding w·e to the side-effect sums and the row's error for the layer below; then one fused
/// sweep over all rows computing every gradient and applying Adam. Inputs that never fired have
/// e = 0 and skip the first sweep. The regularizer and the silent-neuron side effect need Σw and
/// Σw² per neuron; the Adam sweep accumulates them from the new weights for the next sample.
final class LayerTrainer {
    let inputCount: Int
    let outputCount: Int
    let timeSteps: Int
    let kernel: SPSPKernel
    let chunks: [Range<Int>]
    /// E: e_{i|j} of the current sample at (row j, column i); rows of silent inputs are stale
    /// (they are zero by definition and never read).
    let spsp: ChunkedMatrix
    /// Adam's first and second moments, weight layout.
    let adamFirst: ChunkedMatrix
    let adamSecond: ChunkedMatrix
    /// Adam's step count t (starts at 1 with the first sample).
    var adamStep: Int = 0
    /// Σ_j w_ij (first outputCount floats) and Σ_j w_ij² (next outputCount) of the current weights.
    private let columnSums: UnsafeMutablePointer<Float>
    private var columnSumsValid = false
    /// Per chunk: kernel rows transposed (T x chunk width), one kernel row, error partials and
    /// five per-neuron vectors (side-effect sums, split deltas, coefficients, regularizer scales).
    private var transposedKernels: [UnsafeMutablePointer<Float>]
    private var kernelRows: [UnsafeMutablePointer<Float>]
    private var errorPartials: [[Float]]
    private var columnScratch: [UnsafeMutablePointer<Float>]

    init(inputCount: Int, outputCount: Int, constants: NeuronConstants, kernel: SPSPKernel) {
        self.inputCount = inputCount
        self.outputCount = outputCount
        self.timeSteps = constants.timeSteps
        self.kernel = kernel
        chunks = Parallel.chunks(of: outputCount)
        spsp = ChunkedMatrix(rows: inputCount, chunks: chunks)
        adamFirst = ChunkedMatrix(rows: inputCount, chunks: chunks)
        adamSecond = ChunkedMatrix(rows: inputCount, chunks: chunks)
        columnSums = .allocate(capacity: 2 * outputCount)
        transposedKernels = chunks.map { UnsafeMutablePointer<Float>.allocate(capacity: constants.timeSteps * $0.count) }
        kernelRows = chunks.map { _ in UnsafeMutablePointer<Float>.allocate(capacity: constants.timeSteps) }
        errorPartials = chunks.map { _ in [Float](repeating: 0, count: inputCount) }
        columnScratch = chunks.map { UnsafeMutablePointer<Float>.allocate(capacity: 5 * $0.count) }
    }

    deinit {
        columnSums.deallocate()
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
        let silentValue = kernel.parameters.silentPostValue
        layer.weights.withUnsafeMutableBufferPointer { weightBuffer in
                  sample.inputTrains.starts.withUnsafeBufferPointer { starts in
                    sample.inputTrains.times.withUnsafeBufferPointer { times in
                    let weights = weightBuffer.baseAddress!
                    if !columnSumsValid { recomputeColumnSums(weights) }
                    Parallel.forEach(chunks) { chunk, range in
                        let n = range.count, base = range.lowerBound
                        let transposed = buildKernels(sample, neurons: range, chunk: chunk)
                        let scratch = columnScratch[chunk]
                        let effectSum = scratch, activeDelta = scratch + n, silentDelta = scratch + 2 * n
                        let coefficient = scratch + 3 * n, regularizer = scratch + 4 * n
                        effectSum.initialize(repeating: 0, count: n)
                        // r_ij = e_ij / o_j needs o_i > 0; silent post neurons (and the rate-only
                        // ablation) propagate with r = 1.
                        var silentPost: [Int] = []
                        for k in 0..<n {
                            let fired = sample.postCounts[base + k] > 0
                            if !fired { silentPost.append(k) }
                            let useRatio = fired && config.effectRatio
                            activeDelta[k] = useRatio ? sample.delta[base + k] : 0
                            silentDelta[k] = useRatio ? 0 : sample.delta[base + k]
                        }
                        // Sweep 1 (pre-update weights): E rows, side-effect sums, err partials.
                        errorPartials[chunk].withUnsafeMutableBufferPointer { partial in
                            for j in 0..<inputCount {
                                let w = weights + j * width + base
                                let preCount = sample.inputCounts[j]
                                guard preCount > 0 else {
                                    if propagate { partial[j] = dot(activeDelta, w, count: n) + dot(silentDelta, w, count: n) }
                                    continue
                                }
                                let e = spsp.row(j, chunk: chunk)
                                e.initialize(repeating: 0, count: n)
                                accumulateRows(into: e, rows: transposed, rowStride: n,
                                               indices: UnsafeBufferPointer(rebasing: times[Int(starts[j])..<Int(starts[j + 1])]), count: n)
                                for k in silentPost { e[k] = silentValue }
                                accumulateProducts(effectSum, w, e, count: n)
                                if propagate {
                                    partial[j] = weightedDot(activeDelta, w, e, count: n) / Float(preCount) + dot(silentDelta, w, count: n)
                                }
                            }
                        }
                        // Per neuron: δ(1 + σ)λ and the regularizer's scale: λβ/L·exp(β(q − 1)), times
                        // 2/(N·L) for the exact gradient of the penalty (TrainingConfig).
                        let sums = columnSums + base, squares = columnSums + width + base
                        let inverseLimit = 1 / config.weightLimit
                        let form: Float = config.regularizerExactGradient ? 2 / (Float(inputCount) * config.weightLimit) : 1
                        for k in 0..<n {
                            let count = sample.postCounts[base + k]
                            let sideEffect = count > 0
                                ? effectSum[k] / (threshold * Float(count))
                                : config.silentPostRatio * sums[k] / threshold
                            coefficient[k] = sample.delta[base + k] * (1 + sideEffect) * (sample.lateralFactor?[base + k] ?? 1)
                            let q = squares[k] / Float(inputCount) * inverseLimit * inverseLimit
                            regularizer[k] = config.regularizerLambda * config.regularizerBeta * inverseLimit * form
                                * expf(config.regularizerBeta * (q - 1))
                        }
                        // Sweep 2: gradient and Adam, fused; the new weights' sums for the next sample.
                        sums.initialize(repeating: 0, count: n)
                        squares.initialize(repeating: 0, count: n)
                        for j in 0..<inputCount {
                            let offset = j * width + base
                            let active = sample.inputCounts[j] > 0
                            let e = spsp.row(j, chunk: chunk)
                            if let gradientSink {
                                for k in 0..<n {
                                    gradientSink[offset + k] = coefficient[k] * (active ? e[k] : 0) + regularizer[k] * weights[offset + k]
                                }
                            }
                            adamUpdate(weights: weights + offset, spsp: active ? UnsafePointer(e) : nil,
                                       first: adamFirst.row(j, chunk: chunk), second: adamSecond.row(j, chunk: chunk),
                                       coefficient: coefficient, regularizer: regularizer, count: n, step: step,
                                       sums: sums, squares: squares)
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

    /// Σw and Σw² per neuron from scratch (first sample; afterwards the Adam sweep keeps them).
    private func recomputeColumnSums(_ weights: UnsafeMutablePointer<Float>) {
        columnSums.initialize(repeating: 0, count: 2 * outputCount)
        for j in 0..<inputCount {
            accumulateSumsAndSquares(weights + j * outputCount, count: outputCount, sums: columnSums, squares: columnSums + outputCount)
        }
        columnSumsValid = true
    }

    /// The kernel rows of neurons `range`, transposed so that one input spike at step t adds the
    /// contiguous row segment t.
    private func buildKernels(_ sample: Sample, neurons range: Range<Int>, chunk: Int) -> UnsafeMutablePointer<Float> {
        let n = range.count, steps = timeSteps
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
        return transposed
    }
}
