import CKernels
import NeuroImage

/// A decay `x - ((x * multiplier + bias) >> shift)`: both forms of docs/fixed-point.md
/// section 2 in one shape, so the kernel needs no branch on the kind.
/// shift k: multiplier 1, bias 2^(k-1), shift k (k = 0: bias 0, shift 0, the value decays to 0).
/// multiplier m: multiplier m, bias 2^15, shift 16.
struct DecayParameters: Equatable {
    var multiplier: Int64
    var bias: Int64
    var shift: Int64

    init(_ decay: Decay) {
        switch decay {
        case .shift(let k):
            multiplier = 1
            bias = k == 0 ? 0 : Int64(1) << (k - 1)
            shift = Int64(k)
        case .multiplier(let m):
            multiplier = Int64(m)
            bias = 1 << 15
            shift = 16
        }
    }

    @inline(__always)
    func apply(_ x: Int64) -> Int64 { x &- ((x &* multiplier &+ bias) &>> shift) }
}

/// One core of an image prepared for execution: its synapse rows padded to whole SIMD16 lanes
/// on 64-byte boundaries, per-neuron constants, and the
/// layer's rule in the form the kernel applies.
final class CoreProgram {
    static let lanes = 16

    let index: Int
    let layer: Int
    let firstNeuron: Int
    let neuronCount: Int
    let axonCount: Int
    /// neuronCount rounded up to whole 16-lane vectors; padding lanes have zero weights and a
    /// threshold no membrane can exceed, so they never fire.
    let paddedWidth: Int
    /// q[a * paddedWidth + k], int8, widened to int32 lanes as rows are added.
    let weights: AlignedBuffer<Int8>
    /// neuronCount rounded up to whole blocks of 64 (the packed layout's unit).
    let packedWidth: Int
    /// The same weights for `FastCoreKernel`'s 16-bit accumulation, as q + 128 (0 ... 255):
    /// per block of 64 neurons starting at o, neuron o + 16q + j in byte 4j + 2(q & 1) + (q >> 1).
    /// Read as 32 little-endian 16-bit words w, `w >> 8` is the odd byte's offset weight and the
    /// even byte's is recovered from the word sums once per step; vpmaddwd then takes groups q
    /// = 0 and 1 from the even and odd words of the even bytes (2 and 3: the odd bytes), so
    /// the four groups come out in neuron order.
    let packedWeights: AlignedBuffer<UInt8>
    /// theta_i + the membrane decay's bias (the fast form compares u + bias), clamped to
    /// Int32.max; Int32.max for padding neurons, which therefore never fire.
    let fastThresholds: AlignedBuffer<Int32>
    /// The fast kernel's view of this core (meaningful when `fastEligible`): its pointers are
    /// this object's buffers, and it lives at a fixed address for the C calls.
    let fast: UnsafeMutablePointer<hm2bp_fast_core>
    /// Both decays are shifts, which the fast kernel's form requires.
    let fastEligible: Bool
    /// The decays' rounding biases, 2^(k-1) (0 for k = 0), that the fast form adds to c and u.
    let currentBias: Int64
    let membraneBias: Int64
    /// theta_i and L_i fit B <= 32 bits, so int32.
    let thresholds: AlignedBuffer<Int32>
    let laterals: AlignedBuffer<Int32>
    /// max |q| of the core and max |L_i|: with the step's event and spike counts they bound the
    /// drive, which decides whether a step may run in 32-bit lanes.
    let maxAbsWeight: Int64
    let maxAbsLateral: Int64
    /// The largest theta_i of the core (u after a step never exceeds it).
    let maxThreshold: Int64
    let hasLateral: Bool
    let weightShift: Int64
    let stateLow: Int64
    let stateHigh: Int64
    let refractorySteps: Int64
    let currentDecay: DecayParameters
    let membraneDecay: DecayParameters
    let rule: NeuronRule
    /// Whether one step's row sum always fits the SIMD kernel's int32 accumulators: the sum of
    /// |q| over every (axon, delivery) pair the routing can produce in one step is below 2^31.
    /// Otherwise the core runs the scalar 64-bit kernel (same results, slower).
    let usesVectorKernel: Bool
    /// The C kernels the fast paths call.
    let kernels: FastKernels

    init(index: Int, image: NeuroImage, deliveriesPerAxon: [Int], vectorize: Bool, kernels: FastKernels) {
        let core = image.cores[index]
        let layer = image.layers[core.layer]
        self.kernels = kernels
        self.index = index
        self.layer = core.layer
        firstNeuron = core.firstNeuron
        neuronCount = core.neuronCount
        axonCount = core.axonCount
        paddedWidth = (core.neuronCount + Self.lanes - 1) / Self.lanes * Self.lanes
        packedWidth = (core.neuronCount + 63) / 64 * 64
        weights = AlignedBuffer(count: core.axonCount * paddedWidth)
        thresholds = AlignedBuffer(count: paddedWidth, value: .max)
        // Whole blocks: the fast kernel reads the lateral weights of padding neurons too (0).
        laterals = AlignedBuffer(count: packedWidth)
        let width = paddedWidth, rows = weights.pointer
        var perNeuronBound = [Int64](repeating: 0, count: core.neuronCount)
        // A shared-kernel core is expanded once here; both forms mean the same synapses.
        let synapses = core.expandedWeights(layer: layer)
        synapses.withUnsafeBufferPointer { q in
            for a in 0..<core.axonCount {
                let row = rows + a * width
                let deliveries = Int64(deliveriesPerAxon[a])
                for k in 0..<core.neuronCount {
                    let w = q[a * core.neuronCount + k]
                    row[k] = w
                    perNeuronBound[k] += deliveries * Int64(w.magnitude)
                }
            }
        }
        packedWeights = AlignedBuffer(count: core.axonCount * packedWidth, value: 128)
        let packed = packedWeights.pointer, packedRow = packedWidth
        for a in 0..<core.axonCount {
            for k in 0..<core.neuronCount {
                let lane = k % 64, group = lane / 16, j = lane % 16
                let byte = 4 * j + 2 * (group & 1) + (group >> 1)
                packed[a * packedRow + k - lane + byte] = UInt8(truncatingIfNeeded: Int(rows[a * width + k]) + 128)
            }
        }
        let largestRowSum = perNeuronBound.max() ?? 0
        for k in 0..<core.neuronCount {
            thresholds.pointer[k] = Int32(layer.thresholds[core.firstNeuron + k])
            laterals.pointer[k] = Int32(layer.laterals[core.firstNeuron + k])
        }
        maxAbsWeight = Int64(synapses.lazy.map(\.magnitude).max() ?? 0)
        maxThreshold = layer.thresholds[core.firstNeuron..<(core.firstNeuron + core.neuronCount)].max() ?? 0
        maxAbsLateral = (core.firstNeuron..<(core.firstNeuron + core.neuronCount)).lazy.map { abs(layer.laterals[$0]) }.max() ?? 0
        hasLateral = layer.hasLateralInhibition && layer.laterals.contains { $0 != 0 }
        rule = layer.rule
        weightShift = Int64(layer.rule.weightShift)
        let range = FixedPoint.stateRange(bits: layer.rule.stateBits)
        stateLow = range.lowerBound
        stateHigh = range.upperBound
        refractorySteps = Int64(layer.rule.refractorySteps)
        currentDecay = DecayParameters(layer.rule.currentDecay)
        membraneDecay = DecayParameters(layer.rule.membraneDecay)
        usesVectorKernel = vectorize && largestRowSum < Int64(Int32.max)
        fastEligible = usesVectorKernel && currentDecay.multiplier == 1 && membraneDecay.multiplier == 1
        currentBias = currentDecay.bias
        membraneBias = membraneDecay.bias
        fastThresholds = AlignedBuffer(count: packedWidth, value: .max)
        for k in 0..<core.neuronCount {
            fastThresholds.pointer[k] = Int32(clamping: layer.thresholds[core.firstNeuron + k] + membraneBias)
        }
        fast = .allocate(capacity: 1)
        fast.initialize(to: hm2bp_fast_core(
            weights: UnsafePointer(packedWeights.pointer), width: packedWidth, thresholds: UnsafePointer(fastThresholds.pointer),
            laterals: hasLateral ? UnsafePointer(laterals.pointer) : nil, weight_shift: Int32(weightShift),
            current_shift: Int32(currentDecay.shift), membrane_shift: Int32(membraneDecay.shift),
            current_bias: Int32(currentBias), membrane_bias: Int32(membraneBias), refractory_steps: Int32(refractorySteps)))
    }

    deinit { fast.deallocate() }
}
