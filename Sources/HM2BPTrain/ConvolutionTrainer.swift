import Foundation
import Kernels
import SpikeModel

/// The backward pass and Adam update of one spiking convolution layer for one sample
/// (algorithm section 4.5), split over the cores by kernel.
///
/// For each output neuron (a, x, y) with a non-zero δ: its kernel row K (section 9) gives the
/// S-PSP e with each input (c, x + p, y + q) it sees as a sum over that input's spike times;
/// then σ = (1/ν) Σ w·e/o (0.5·Σw/ν when the neuron is silent, whose e is 0.1 for every input
/// that fired), the shared kernel's gradient δ·e·(1 + σ), and the error δ·w·r for the layer
/// below (r = e/o_in when both fired, else 1). Neurons with δ = 0 contribute nothing.
/// Kernels are disjoint across workers; each worker keeps its own error partials.
final class ConvolutionTrainer {
    let input: FeatureMapShape
    let output: FeatureMapShape
    let kernelSize: Int
    let kernelVolume: Int
    let timeSteps: Int
    let kernel: SPSPKernel
    let chunks: [Range<Int>]
    var adamFirst: [Float]
    var adamSecond: [Float]
    var adamStep = 0
    /// The gradient of every weight (kernel layout) of the current sample.
    private(set) var gradient: [Float]
    /// Per chunk: one kernel row (T floats) and the error partials of the layer below.
    private var kernelRows: [UnsafeMutablePointer<Float>]
    private var errorPartials: [[Float]]
    /// Flat input index of every (c, p, q) for the output neuron at (0, 0).
    private let receptiveOffsets: [Int32]

    init(layer: ConvolutionLayer, constants: NeuronConstants, kernel: SPSPKernel) {
        input = layer.input
        output = layer.output
        kernelSize = layer.kernelSize
        kernelVolume = layer.kernelVolume
        timeSteps = constants.timeSteps
        self.kernel = kernel
        chunks = Parallel.chunks(of: layer.kernelCount, alignment: 1)
        adamFirst = [Float](repeating: 0, count: layer.weights.count)
        adamSecond = [Float](repeating: 0, count: layer.weights.count)
        gradient = [Float](repeating: 0, count: layer.weights.count)
        kernelRows = chunks.map { _ in UnsafeMutablePointer<Float>.allocate(capacity: constants.timeSteps) }
        errorPartials = chunks.map { _ in [Float](repeating: 0, count: layer.input.count) }
        var offsets: [Int32] = []
        for c in 0..<layer.input.channels {
            for p in 0..<layer.kernelSize {
                for q in 0..<layer.kernelSize { offsets.append(Int32(layer.input.index(channel: c, row: p, column: q))) }
            }
        }
        receptiveOffsets = offsets
    }

    deinit { kernelRows.forEach { $0.deallocate() } }

    /// Computes the gradient, the error for the layer below (when `propagate`; before that
    /// layer's own division) and applies one Adam step to `layer.weights`.
    func backward(_ sample: LayerTrainer.Sample, layer: inout ConvolutionLayer, config: TrainingConfig, learningRate: Float,
                  propagate: Bool) -> [Float]? {
        adamStep += 1
        let threshold = layer.threshold
        let silentValue = kernel.parameters.silentPostValue
        let volume = kernelVolume, outPositions = output.positions, outWidth = output.width, inWidth = input.width
        layer.weights.withUnsafeBufferPointer { weightBuffer in
          gradient.withUnsafeMutableBufferPointer { gradientBuffer in
            sample.inputTrains.starts.withUnsafeBufferPointer { starts in
              sample.inputTrains.times.withUnsafeBufferPointer { times in
                receptiveOffsets.withUnsafeBufferPointer { offsets in
                  Parallel.forEach(chunks) { chunk, kernels in
                    let row = kernelRows[chunk]
                    let effect = UnsafeMutablePointer<Float>.allocate(capacity: volume)
                    defer { effect.deallocate() }
                    errorPartials[chunk].withUnsafeMutableBufferPointer { partial in
                        if propagate { partial.initialize(repeating: 0) }
                        for a in kernels {
                            let w = weightBuffer.baseAddress! + a * volume
                            let g = gradientBuffer.baseAddress! + a * volume
                            g.initialize(repeating: 0, count: volume)
                            var weightSum: Float = 0
                            for v in 0..<volume { weightSum += w[v] }
                            for position in 0..<outPositions {
                                let i = a * outPositions + position
                                let delta = sample.delta[i]
                                guard delta != 0 else { continue }
                                let origin = position / outWidth * inWidth + position % outWidth
                                let postCount = sample.postCounts[i]
                                let sideEffect: Float
                                if postCount > 0 {
                                    row.initialize(repeating: 0, count: timeSteps)
                                    _ = sample.postTrains.times(of: i).withUnsafeBufferPointer { kernel.accumulateRow(post: $0, into: row) }
                                    var weighted: Float = 0
                                    for v in 0..<volume {
                                        let j = origin + Int(offsets[v])
                                        var e: Float = 0
                                        for s in Int(starts[j])..<Int(starts[j + 1]) { e += row[Int(times[s])] }
                                        effect[v] = e
                                        weighted += w[v] * e
                                    }
                                    sideEffect = weighted / (threshold * Float(postCount))
                                } else {
                                    for v in 0..<volume {
                                        let j = origin + Int(offsets[v])
                                        effect[v] = starts[j + 1] > starts[j] ? silentValue : 0
                                    }
                                    sideEffect = config.silentPostRatio * weightSum / threshold
                                }
                                let coefficient = delta * (1 + sideEffect)
                                for v in 0..<volume { g[v] += coefficient * effect[v] }
                                guard propagate else { continue }
                                let useRatio = postCount > 0 && config.effectRatio
                                for v in 0..<volume {
                                    let j = origin + Int(offsets[v])
                                    let preCount = starts[j + 1] - starts[j]
                                    let ratio = useRatio && preCount > 0 ? effect[v] / Float(preCount) : 1
                                    partial[j] += delta * w[v] * ratio
                                }
                            }
                        }
                    }
                  }
                }
              }
            }
          }
        }
        applyAdam(to: &layer.weights, config: config, learningRate: learningRate)
        guard propagate else { return nil }
        var errors = errorPartials[0]
        for partial in errorPartials.dropFirst() {
            for j in errors.indices { errors[j] += partial[j] }
        }
        return errors
    }

    /// g + R' per weight, then Adam (section 4.5). R' is the fully connected layers' regularizer
    /// with q_a the mean of (w/L)² over the whole kernel a.
    private func applyAdam(to weights: inout [Float], config: TrainingConfig, learningRate: Float) {
        let step = AdamStep(
            beta1: config.adamBeta1, beta2: config.adamBeta2, epsilon: config.adamEpsilon, learningRate: learningRate,
            firstCorrection: Float(1 / (1 - pow(Double(config.adamBeta1), Double(adamStep)))),
            secondCorrection: Float(1 / (1 - pow(Double(config.adamBeta2), Double(adamStep)))))
        let volume = kernelVolume
        let inverseLimit = 1 / config.weightLimit
        let form: Float = config.regularizerExactGradient ? 2 / (Float(volume) * config.weightLimit) : 1
        let ones = [Float](repeating: 1, count: volume)
        var regularizer = [Float](repeating: 0, count: volume)
        var sums = [Float](repeating: 0, count: volume), squares = sums
        weights.withUnsafeMutableBufferPointer { w in
            for a in 0..<(w.count / volume) {
                let kernelWeights = w.baseAddress! + a * volume
                var squareSum: Float = 0
                for v in 0..<volume { squareSum += kernelWeights[v] * kernelWeights[v] }
                let q = squareSum / Float(volume) * inverseLimit * inverseLimit
                let scale = config.regularizerLambda * config.regularizerBeta * inverseLimit * form * expf(config.regularizerBeta * (q - 1))
                for v in 0..<volume { regularizer[v] = scale }
                gradient.withUnsafeBufferPointer { g in
                    adamFirst.withUnsafeMutableBufferPointer { m in
                        adamSecond.withUnsafeMutableBufferPointer { s in
                            adamUpdate(weights: kernelWeights, spsp: g.baseAddress! + a * volume,
                                       first: m.baseAddress! + a * volume, second: s.baseAddress! + a * volume,
                                       coefficient: ones, regularizer: regularizer, count: volume, step: step,
                                       sums: &sums, squares: &squares)
                        }
                    }
                }
            }
        }
    }
}

/// The error a spiking average-pooling layer passes down (section 4.5): it has no weights and
/// does not divide by its own ν; each input (u, v) of window (x, y) gets err(x, y) / P² · r,
/// with r = e_{pool|input} / o_input when both fired, else 1.
enum PoolingBackward {
    /// `sample.delta` holds the pooling layer's incoming error, undivided.
    static func propagate(_ sample: LayerTrainer.Sample, layer: PoolingLayer, kernel: SPSPKernel,
                          effectRatio: Bool, timeSteps: Int) -> [Float] {
        let error = sample.delta
        let input = layer.input, output = layer.output, size = layer.size
        let divisor = Float(size * size)
        var below = [Float](repeating: 0, count: input.count)
        let ranges = Parallel.chunks(of: output.channels, alignment: 1)
        below.withUnsafeMutableBufferPointer { result in
            Parallel.forEach(ranges) { _, channels in
                let row = UnsafeMutablePointer<Float>.allocate(capacity: timeSteps)
                defer { row.deallocate() }
                for c in channels {
                    for x in 0..<output.height {
                        for y in 0..<output.width {
                            let i = output.index(channel: c, row: x, column: y)
                            guard error[i] != 0 else { continue }
                            let share = error[i] / divisor
                            let fired = sample.postCounts[i] > 0 && effectRatio
                            if fired {
                                row.initialize(repeating: 0, count: timeSteps)
                                _ = sample.postTrains.times(of: i).withUnsafeBufferPointer { kernel.accumulateRow(post: $0, into: row) }
                            }
                            for p in 0..<size {
                                for q in 0..<size {
                                    let j = input.index(channel: c, row: x * size + p, column: y * size + q)
                                    let preCount = sample.inputCounts[j]
                                    var ratio: Float = 1
                                    if fired && preCount > 0 {
                                        var e: Float = 0
                                        for t in sample.inputTrains.times(of: j) { e += row[Int(t)] }
                                        ratio = e / Float(preCount)
                                    }
                                    result[j] = share * ratio
                                }
                            }
                        }
                    }
                }
            }
        }
        return below
    }
}
