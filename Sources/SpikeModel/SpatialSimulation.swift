import Kernels

/// The float32 forward simulation of the spatial layers (algorithm sections 1.1 and 4.5). The
/// LIF update is the fully connected layers' one, operation for operation; only the drive
/// differs: a convolution adds the shared kernel's weight of every input spike at t - 1, a
/// pooling layer counts the spikes of its window at t - 1.
extension FloatSimulator {
    /// Simulates one spatial layer on the finished spike trains of the layer below.
    public static func runSpatialLayer(_ layer: SpatialLayer, constants: NeuronConstants, input: SpikeRaster, parallel: Bool = true) -> SpikeRaster {
        precondition(input.neuronCount == layer.input.count, "input raster has \(input.neuronCount) neurons, layer expects \(layer.input.count)")
        precondition(input.timeSteps >= constants.timeSteps, "input raster is shorter than the time window")
        switch layer {
        case .convolution(let conv): return runConvolution(conv, constants: constants, input: input, parallel: parallel)
        case .pooling(let pool): return runPooling(pool, constants: constants, input: input)
        }
    }

    /// Convolution split over the cores by bands of output rows. The drive and the state are
    /// kept position-major, all kernels of a position side by side (padded to 16 lanes), so one
    /// input spike adds K² contiguous weight vectors and the LIF update runs on whole vectors.
    static func runConvolution(_ layer: ConvolutionLayer, constants: NeuronConstants, input: SpikeRaster, parallel: Bool) -> SpikeRaster {
        let out = layer.output
        let bands = parallel ? Parallel.chunks(of: out.height, alignment: 1) : [0..<out.height]
        let plan = ConvolutionPlan(layer)
        var perBand = [[[Int32]]](repeating: [], count: bands.count)
        perBand.withUnsafeMutableBufferPointer { results in
            Parallel.forEach(bands) { band, rows in
                results[band] = simulateConvolution(plan, constants: constants, input: input, rows: rows)
            }
        }
        var raster = SpikeRaster(neuronCount: out.count, timeSteps: constants.timeSteps)
        var step: [Int32] = []
        for t in 0..<constants.timeSteps {
            // Each band's list ascends; merge them (a band's rows are contiguous, so bands
            // interleave by channel).
            step.removeAll(keepingCapacity: true)
            for band in perBand where !band[t].isEmpty {
                if step.isEmpty { step.append(contentsOf: band[t]); continue }
                var merged: [Int32] = []
                merged.reserveCapacity(step.count + band[t].count)
                var i = 0, j = 0
                let other = band[t]
                while i < step.count && j < other.count {
                    if step[i] < other[j] { merged.append(step[i]); i += 1 } else { merged.append(other[j]); j += 1 }
                }
                merged.append(contentsOf: step[i...])
                merged.append(contentsOf: other[j...])
                step = merged
            }
            raster.appendStep(step)
        }
        return raster
    }

    /// A convolution's kernels rearranged for the position-major drive: [c][p][q][kernel],
    /// each kernel vector padded with zeros to `lanes`.
    struct ConvolutionPlan {
        let layer: ConvolutionLayer
        let lanes: Int
        let weights: [Float]

        init(_ layer: ConvolutionLayer) {
            self.layer = layer
            let size = layer.kernelSize, channels = layer.input.channels
            lanes = (layer.kernelCount + 15) / 16 * 16
            var weights = [Float](repeating: 0, count: channels * size * size * lanes)
            for a in 0..<layer.kernelCount {
                for c in 0..<channels { for p in 0..<size { for q in 0..<size {
                    weights[((c * size + p) * size + q) * lanes + a] = layer.weight(kernel: a, channel: c, row: p, column: q)
                } } }
            }
            self.weights = weights
        }
    }

    /// Spikes (ascending channel-major indices) per step of the output rows `rows`.
    static func simulateConvolution(_ plan: ConvolutionPlan, constants: NeuronConstants, input: SpikeRaster, rows: Range<Int>) -> [[Int32]] {
        let layer = plan.layer, lanes = plan.lanes
        let size = layer.kernelSize
        let inWidth = layer.input.width, inPositions = layer.input.positions
        let out = layer.output, positions = out.positions
        let firstPosition = rows.lowerBound * out.width
        let population = LIFPopulation(count: rows.count * out.width * lanes, constants: constants, threshold: layer.spikeThreshold)
        var spikesPerStep = [[Int32]](repeating: [], count: constants.timeSteps)
        var fired: [Int32] = []
        var kernelStarts = [Int](repeating: 0, count: lanes + 1)
        // Channel, row and column of every input neuron (integer division is slow per spike).
        var channelOf = [Int32](repeating: 0, count: layer.input.count), rowOf = channelOf, columnOf = channelOf
        for j in 0..<layer.input.count {
            channelOf[j] = Int32(j / inPositions)
            rowOf[j] = Int32(j % inPositions / inWidth)
            columnOf[j] = Int32(j % inWidth)
        }
        plan.weights.withUnsafeBufferPointer { weights in
            for t in 1..<constants.timeSteps {
                let drive = population.drive
                for j in input.firing(at: t - 1) {
                    let c = Int(channelOf[Int(j)]), u = Int(rowOf[Int(j)]), v = Int(columnOf[Int(j)])
                    // Output (x, y) = (u - p, v - q) must lie inside this band and the map.
                    let pLow = max(0, u - rows.upperBound + 1), pHigh = min(size - 1, u - rows.lowerBound)
                    guard pLow <= pHigh else { continue }
                    let qLow = max(0, v - out.width + 1), qHigh = min(size - 1, v)
                    for p in pLow...pHigh {
                        let rowBase = (u - p) * out.width - firstPosition
                        for q in qLow...qHigh {
                            addVectors(drive + (rowBase + v - q) * lanes, weights.baseAddress! + ((c * size + p) * size + q) * lanes, count: lanes)
                        }
                        population.markTouched(from: (rowBase + v - qHigh) * lanes, to: (rowBase + v - qLow + 1) * lanes)
                    }
                }
                fired.removeAll(keepingCapacity: true)
                population.step(firing: &fired)
                guard !fired.isEmpty else { continue }
                // Internal index position * lanes + kernel -> channel-major (kernel * positions +
                // position). Positions ascend within each kernel, so a counting sort by kernel orders them.
                for k in 0...lanes { kernelStarts[k] = 0 }
                for index in fired { kernelStarts[Int(index) % lanes + 1] += 1 }
                for k in 0..<lanes { kernelStarts[k + 1] += kernelStarts[k] }
                var ordered = [Int32](repeating: 0, count: fired.count)
                for index in fired {
                    let kernel = Int(index) % lanes
                    ordered[kernelStarts[kernel]] = Int32(kernel * positions + firstPosition + Int(index) / lanes)
                    kernelStarts[kernel] += 1
                }
                spikesPerStep[t] = ordered
            }
        }
        return spikesPerStep
    }

    static func runPooling(_ layer: PoolingLayer, constants: NeuronConstants, input: SpikeRaster) -> SpikeRaster {
        let out = layer.output
        // The pool neuron of every input neuron.
        var target = [Int32](repeating: 0, count: layer.input.count)
        for c in 0..<layer.input.channels {
            for u in 0..<layer.input.height {
                for v in 0..<layer.input.width {
                    target[layer.input.index(channel: c, row: u, column: v)] = Int32(out.index(channel: c, row: u / layer.size, column: v / layer.size))
                }
            }
        }
        let population = LIFPopulation(count: out.count, constants: constants, threshold: layer.spikeThreshold)
        var raster = SpikeRaster(neuronCount: out.count, timeSteps: constants.timeSteps)
        var fired: [Int32] = []
        raster.appendStep([])
        for t in 1..<constants.timeSteps {
            let drive = population.drive
            for j in input.firing(at: t - 1) {
                let neuron = Int(target[Int(j)])
                drive[neuron] += 1
                population.markTouched(from: neuron, to: neuron + 1)
            }
            fired.removeAll(keepingCapacity: true)
            population.step(firing: &fired)
            raster.appendStep(fired)
        }
        return raster
    }
}

/// dst[k] += src[k] for a whole number of 16-lane vectors.
@inline(__always)
func addVectors(_ dst: UnsafeMutablePointer<Float>, _ src: UnsafePointer<Float>, count: Int) {
    typealias V = SIMD16<Float>
    var k = 0
    while k < count {
        let out = UnsafeMutableRawPointer(dst + k)
        out.storeBytes(of: out.loadUnaligned(as: V.self) + UnsafeRawPointer(src + k).loadUnaligned(as: V.self), as: V.self)
        k += 16
    }
}

/// The state of a population of independent LIF neurons and the section 1.1 update of one step
/// t >= 1 from a drive (the summed input of step t - 1). At t = 0 the state is zero and stays so.
/// Storage is padded to whole 16-lane vectors; padding lanes get no drive and never fire.
struct LIFPopulation {
    let count: Int
    let tauM: Float, tauS: Float, threshold: Float
    let refractory: Float
    let membrane: UnsafeMutablePointer<Float>
    let current: UnsafeMutablePointer<Float>
    /// Steps left in the refractory period, as small whole floats (integer vector compares
    /// are split into lanes by the compiler; float ones are not).
    let refractoryLeft: UnsafeMutablePointer<Float>
    /// The caller adds each step's input here before `step`, which consumes it (leaves zeros).
    let drive: UnsafeMutablePointer<Float>
    private let padded: Int
    /// Per 16-lane vector: whether it ever received input. An untouched vector's state is all
    /// zero and stays so (the update of zeros gives zeros), so the update skips it.
    private let touched: UnsafeMutablePointer<UInt8>
    private let storage: Storage

    private final class Storage {
        let pointers: [UnsafeMutableRawPointer]
        init(_ pointers: [UnsafeMutableRawPointer]) { self.pointers = pointers }
        deinit { pointers.forEach { $0.deallocate() } }
    }

    init(count: Int, constants: NeuronConstants, threshold: Float) {
        precondition(threshold >= 0, "a negative threshold would let the padding fire")
        self.count = count
        padded = (count + 15) / 16 * 16
        tauM = constants.tauM
        tauS = constants.tauS
        self.threshold = threshold
        refractory = Float(constants.refractorySteps)
        let padded = self.padded
        func zeros<T: Numeric>(_ type: T.Type) -> UnsafeMutablePointer<T> {
            let raw = UnsafeMutableRawPointer.allocate(byteCount: max(padded, 16) * 4, alignment: 64)
            let pointer = raw.bindMemory(to: T.self, capacity: max(padded, 16))
            pointer.initialize(repeating: 0, count: max(padded, 16))
            return pointer
        }
        membrane = zeros(Float.self)
        current = zeros(Float.self)
        refractoryLeft = zeros(Float.self)
        drive = zeros(Float.self)
        touched = .allocate(capacity: max(padded, 16) / 16)
        touched.initialize(repeating: 0, count: max(padded, 16) / 16)
        storage = Storage([UnsafeMutableRawPointer(membrane), UnsafeMutableRawPointer(current),
                           UnsafeMutableRawPointer(refractoryLeft), UnsafeMutableRawPointer(drive), UnsafeMutableRawPointer(touched)])
    }

    /// Records that neurons `from ..< to` received input.
    @inline(__always)
    func markTouched(from: Int, to: Int) {
        var vector = from >> 4
        while vector << 4 < to { touched[vector] = 1; vector += 1 }
    }

    /// Leak, integrate the drive, refractory clamp, strict `v > threshold` test and reset, 16
    /// neurons at a time (the same float operations in the same order as the scalar update);
    /// appends the indices that fired, ascending.
    func step(firing fired: inout [Int32]) {
        // x / 2^k and x * 2^-k are the same correctly rounded value, so power-of-two time
        // constants (the reference's 64 and 8) multiply instead of divide, bit for bit.
        if tauM.significandBitPattern == 0 && tauS.significandBitPattern == 0 {
            update(firing: &fired, m: Multiply(by: 1 / tauM), s: Multiply(by: 1 / tauS))
        } else {
            update(firing: &fired, m: Divide(by: tauM), s: Divide(by: tauS))
        }
    }

    private func update<Scale: LeakScale>(firing fired: inout [Int32], m: Scale, s: Scale) {
        typealias V = SIMD16<Float>
        let theta = V(repeating: threshold)
        let reset = V(repeating: refractory), zero = V(), one = V(repeating: 1)
        let laneBits = SIMD16<UInt32>(1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32768)
        var k = 0
        while k < padded {
            guard touched[k >> 4] != 0 else { k += 16; continue }
            let i0 = V(current + k), v0 = V(membrane + k)
            let ik = (i0 - s.apply(i0)) + V(drive + k)
            zero.store(to: drive + k)
            var vk = (v0 - m.apply(v0)) + s.apply(ik)
            var r = V(refractoryLeft + k)
            let clamped = r .> zero
            vk.replace(with: zero, where: clamped)
            r.replace(with: r - one, where: clamped)
            let spike = vk .> theta
            vk.replace(with: zero, where: spike)
            r.replace(with: reset, where: spike)
            ik.store(to: current + k)
            vk.store(to: membrane + k)
            r.store(to: refractoryLeft + k)
            if any(spike) {
                var word = SIMD16<UInt32>().replacing(with: laneBits, where: spike).wrappedSum()
                while word != 0 {
                    fired.append(Int32(k + word.trailingZeroBitCount))
                    word &= word - 1
                }
            }
            k += 16
        }
    }
}

/// x / tau for the leak, as a multiplication where that is exact.
protocol LeakScale {
    func apply(_ x: SIMD16<Float>) -> SIMD16<Float>
}

struct Multiply: LeakScale {
    let factor: SIMD16<Float>
    init(by factor: Float) { self.factor = SIMD16(repeating: factor) }
    @inline(__always) func apply(_ x: SIMD16<Float>) -> SIMD16<Float> { x * factor }
}

struct Divide: LeakScale {
    let divisor: SIMD16<Float>
    init(by divisor: Float) { self.divisor = SIMD16(repeating: divisor) }
    @inline(__always) func apply(_ x: SIMD16<Float>) -> SIMD16<Float> { x / divisor }
}

extension SIMD16 where Scalar: SIMDScalar {
    @inline(__always) init(_ pointer: UnsafeMutablePointer<Scalar>) {
        self = UnsafeRawPointer(pointer).load(as: SIMD16<Scalar>.self)
    }

    @inline(__always) func store(to pointer: UnsafeMutablePointer<Scalar>) {
        UnsafeMutableRawPointer(pointer).storeBytes(of: self, as: SIMD16<Scalar>.self)
    }
}
