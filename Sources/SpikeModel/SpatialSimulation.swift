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

    /// Convolution split over the cores by output channel. Each chunk keeps its drive and state
    /// position-major (all of a position's channels side by side) so that one input spike adds
    /// K² contiguous weight vectors.
    static func runConvolution(_ layer: ConvolutionLayer, constants: NeuronConstants, input: SpikeRaster, parallel: Bool) -> SpikeRaster {
        let out = layer.output
        let ranges = parallel ? Parallel.chunks(of: layer.kernelCount, alignment: 1) : [0..<layer.kernelCount]
        var perChunk = [[[Int32]]](repeating: [], count: ranges.count)
        perChunk.withUnsafeMutableBufferPointer { results in
            Parallel.forEach(ranges) { chunk, kernels in
                results[chunk] = simulateConvolution(layer, constants: constants, input: input, kernels: kernels)
            }
        }
        var raster = SpikeRaster(neuronCount: out.count, timeSteps: constants.timeSteps)
        var step: [Int32] = []
        for t in 0..<constants.timeSteps {
            step.removeAll(keepingCapacity: true)
            for chunk in perChunk { step.append(contentsOf: chunk[t]) }
            raster.appendStep(step)
        }
        return raster
    }

    /// Spikes (ascending channel-major indices) per step of the output channels `kernels`.
    static func simulateConvolution(_ layer: ConvolutionLayer, constants: NeuronConstants, input: SpikeRaster, kernels: Range<Int>) -> [[Int32]] {
        let n = kernels.count, size = layer.kernelSize, channels = layer.input.channels
        let inWidth = layer.input.width, inPositions = layer.input.positions
        let out = layer.output, positions = out.positions
        // Weights of this chunk, [c][p][q][kernel].
        var transposed = [Float](repeating: 0, count: channels * size * size * n)
        for k in 0..<n {
            for c in 0..<channels { for p in 0..<size { for q in 0..<size {
                transposed[((c * size + p) * size + q) * n + k] = layer.weight(kernel: kernels.lowerBound + k, channel: c, row: p, column: q)
            } } }
        }
        let population = LIFPopulation(count: positions * n, constants: constants, threshold: layer.spikeThreshold)
        var spikesPerStep = [[Int32]](repeating: [], count: constants.timeSteps)
        var fired: [Int32] = []
        transposed.withUnsafeBufferPointer { weights in
            for t in 1..<constants.timeSteps {
                let drive = population.drive
                drive.initialize(repeating: 0, count: population.count)
                for j in input.firing(at: t - 1) {
                    let c = Int(j) / inPositions, position = Int(j) % inPositions
                    let u = position / inWidth, v = position % inWidth
                    // Output (x, y) = (u - p, v - q) must lie inside the output map.
                    for p in max(0, u - out.height + 1)...min(size - 1, u) {
                        let rowBase = (u - p) * out.width
                        for q in max(0, v - out.width + 1)...min(size - 1, v) {
                            let source = weights.baseAddress! + ((c * size + p) * size + q) * n
                            addInPlace(drive + (rowBase + v - q) * n, source, count: n)
                        }
                    }
                }
                fired.removeAll(keepingCapacity: true)
                population.step(firing: &fired)
                guard !fired.isEmpty else { continue }
                // Internal index position * n + k -> channel-major (kernel * positions + position).
                spikesPerStep[t] = fired.map { Int32((kernels.lowerBound + Int($0) % n) * positions + Int($0) / n) }.sorted()
            }
        }
        return spikesPerStep
    }

    static func runPooling(_ layer: PoolingLayer, constants: NeuronConstants, input: SpikeRaster) -> SpikeRaster {
        let inWidth = layer.input.width, inPositions = layer.input.positions
        let out = layer.output
        let population = LIFPopulation(count: out.count, constants: constants, threshold: layer.spikeThreshold)
        var raster = SpikeRaster(neuronCount: out.count, timeSteps: constants.timeSteps)
        var fired: [Int32] = []
        raster.appendStep([])
        for t in 1..<constants.timeSteps {
            let drive = population.drive
            drive.initialize(repeating: 0, count: population.count)
            for j in input.firing(at: t - 1) {
                let c = Int(j) / inPositions, position = Int(j) % inPositions
                let x = position / inWidth / layer.size, y = position % inWidth / layer.size
                drive[out.index(channel: c, row: x, column: y)] += 1
            }
            fired.removeAll(keepingCapacity: true)
            population.step(firing: &fired)
            raster.appendStep(fired)
        }
        return raster
    }
}

/// The state of a population of independent LIF neurons and the section 1.1 update of one step
/// t >= 1 from a drive (the summed input of step t - 1). At t = 0 the state is zero and stays so.
struct LIFPopulation {
    let count: Int
    let tauM: Float, tauS: Float, threshold: Float
    let refractory: Int32
    let membrane: UnsafeMutablePointer<Float>
    let current: UnsafeMutablePointer<Float>
    let refractoryLeft: UnsafeMutablePointer<Int32>
    /// The caller fills this before each `step`.
    let drive: UnsafeMutablePointer<Float>
    private let storage: Storage

    private final class Storage {
        let pointers: [UnsafeMutableRawPointer]
        init(_ pointers: [UnsafeMutableRawPointer]) { self.pointers = pointers }
        deinit { pointers.forEach { $0.deallocate() } }
    }

    init(count: Int, constants: NeuronConstants, threshold: Float) {
        self.count = count
        tauM = constants.tauM
        tauS = constants.tauS
        self.threshold = threshold
        refractory = Int32(constants.refractorySteps)
        func zeros<T: Numeric>(_ type: T.Type) -> UnsafeMutablePointer<T> {
            let pointer = UnsafeMutablePointer<T>.allocate(capacity: max(count, 1))
            pointer.initialize(repeating: 0, count: max(count, 1))
            return pointer
        }
        membrane = zeros(Float.self)
        current = zeros(Float.self)
        refractoryLeft = zeros(Int32.self)
        drive = zeros(Float.self)
        storage = Storage([UnsafeMutableRawPointer(membrane), UnsafeMutableRawPointer(current),
                           UnsafeMutableRawPointer(refractoryLeft), UnsafeMutableRawPointer(drive)])
    }

    /// Leak, integrate the drive, refractory clamp, strict `v > threshold` test and reset;
    /// appends the (internal) indices that fired, ascending.
    func step(firing fired: inout [Int32]) {
        for k in 0..<count {
            let ik = (current[k] - current[k] / tauS) + drive[k]
            current[k] = ik
            var vk = (membrane[k] - membrane[k] / tauM) + ik / tauS
            let clamped = refractoryLeft[k] > 0
            vk = clamped ? 0 : vk
            refractoryLeft[k] = clamped ? refractoryLeft[k] - 1 : refractoryLeft[k]
            let spike = vk > threshold
            membrane[k] = spike ? 0 : vk
            refractoryLeft[k] = spike ? refractory : refractoryLeft[k]
            if spike { fired.append(Int32(k)) }
        }
    }
}
