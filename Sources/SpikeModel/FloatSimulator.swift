import Kernels

/// The float32 LIF forward simulation of algorithm section 1.1, layer after layer.
///
/// It is the reference the trainer learns through and the float side of `hm2bp verify`.
/// Each layer runs all T steps on the finished spike trains of the layer below. Per step:
/// leak v and I, then (from t = 1) add the summed input of step t-1 to I (the one-step
/// synaptic delay), then lateral inhibition term by term, then v += I / tauS, the refractory
/// clamp, and the strict `v > VTH - 1e-6` spike test with reset to 0.
public enum FloatSimulator {
    /// The membrane and current of every neuron at every step, recorded on request.
    /// `membrane[t * neurons + i]` is v at the threshold test (before a spike's reset).
    public struct StateTrace: Sendable {
        public var neurons: Int
        public var membrane: [Float]
        public var current: [Float]
    }

    /// Output spikes of every layer (the input itself excluded): the spatial layers first, then
    /// the fully connected ones. `parallel` splits each layer over the cores by neuron; callers
    /// that already run one sample per core pass false.
    public static func run(_ network: Network, input: SpikeRaster, parallel: Bool = true) -> [SpikeRaster] {
        var outputs: [SpikeRaster] = []
        var current = input
        for layer in network.spatialLayers {
            current = runSpatialLayer(layer, constants: network.constants, input: current, parallel: parallel)
            outputs.append(current)
        }
        for layer in network.layers {
            current = runLayer(layer, constants: network.constants, input: current, parallel: parallel)
            outputs.append(current)
        }
        return outputs
    }

    /// Simulates one layer. With lateral inhibition the neurons are coupled and run on one core.
    public static func runLayer(_ layer: DenseLayer, constants: NeuronConstants, input: SpikeRaster, parallel: Bool = true) -> SpikeRaster {
        simulateLayer(layer, constants: constants, input: input, parallel: parallel, trace: nil)
    }

    /// Simulates one layer and records v (at the threshold test) and I of every neuron and step.
    public static func traceLayer(_ layer: DenseLayer, constants: NeuronConstants, input: SpikeRaster) -> (SpikeRaster, StateTrace) {
        var trace = StateTrace(neurons: layer.outputCount, membrane: .init(repeating: 0, count: constants.timeSteps * layer.outputCount),
                               current: .init(repeating: 0, count: constants.timeSteps * layer.outputCount))
        let raster = simulateLayer(layer, constants: constants, input: input, parallel: false, trace: &trace)
        return (raster, trace)
    }

    private static func simulateLayer(
        _ layer: DenseLayer, constants: NeuronConstants, input: SpikeRaster, parallel: Bool, trace: UnsafeMutablePointer<StateTrace>?
    ) -> SpikeRaster {
        precondition(input.neuronCount == layer.inputCount, "input raster has \(input.neuronCount) neurons, layer expects \(layer.inputCount)")
        let steps = constants.timeSteps
        precondition(input.timeSteps >= steps, "input raster is shorter than the time window")
        let coupled = layer.lateralInhibition != 0 || trace != nil || !parallel
        let ranges = coupled ? [0..<layer.outputCount] : Parallel.chunks(of: layer.outputCount)
        var perChunk = [[[Int32]]](repeating: [], count: ranges.count)
        perChunk.withUnsafeMutableBufferPointer { results in
            Parallel.forEach(ranges) { chunk, range in
                results[chunk] = simulate(layer, constants: constants, input: input, neurons: range, trace: trace)
            }
        }
        var raster = SpikeRaster(neuronCount: layer.outputCount, timeSteps: steps)
        var step: [Int32] = []
        for t in 0..<steps {
            step.removeAll(keepingCapacity: true)
            for chunk in perChunk { step.append(contentsOf: chunk[t]) }
            raster.appendStep(step)
        }
        return raster
    }

    /// Spikes of neurons `range` per step (global indices, ascending).
    static func simulate(
        _ layer: DenseLayer, constants: NeuronConstants, input: SpikeRaster, neurons range: Range<Int>,
        trace: UnsafeMutablePointer<StateTrace>?
    ) -> [[Int32]] {
        let n = range.count
        let steps = constants.timeSteps
        let tauM = constants.tauM, tauS = constants.tauS
        let theta = layer.spikeThreshold
        let refractory = Int32(constants.refractorySteps)
        let lateral = -layer.lateralInhibition
        let width = layer.outputCount
        var spikesPerStep = [[Int32]](repeating: [], count: steps)
        let v = UnsafeMutablePointer<Float>.allocate(capacity: n); v.initialize(repeating: 0, count: n)
        let current = UnsafeMutablePointer<Float>.allocate(capacity: n); current.initialize(repeating: 0, count: n)
        let membraneAtTest = UnsafeMutablePointer<Float>.allocate(capacity: n)
        let drive = UnsafeMutablePointer<Float>.allocate(capacity: n)
        let refractoryLeft = UnsafeMutablePointer<Int32>.allocate(capacity: n); refractoryLeft.initialize(repeating: 0, count: n)
        let fired = UnsafeMutablePointer<UInt8>.allocate(capacity: n)
        defer { v.deallocate(); current.deallocate(); membraneAtTest.deallocate(); drive.deallocate(); refractoryLeft.deallocate(); fired.deallocate() }
        layer.weights.withUnsafeBufferPointer { weightBuffer in
          input.neurons.withUnsafeBufferPointer { inputNeurons in
            let weights = weightBuffer.baseAddress! + range.lowerBound
            for t in 0..<steps {
                if t == 0 {
                    // Leak only (the state is still zero; kept for the letter of the update).
                    for k in 0..<n {
                        v[k] -= v[k] / tauM
                        current[k] -= current[k] / tauS
                    }
                    continue
                }
                // The step's summed input, then one fused pass: leak, add, integrate, clamp,
                // fire. Same operations in the same order as the unfused loops of section 1.1.
                drive.initialize(repeating: 0, count: n)
                let first = Int(input.stepStarts[t - 1]), last = Int(input.stepStarts[t])
                accumulateRows(into: drive, rows: weights, rowStride: width,
                               indices: UnsafeBufferPointer(rebasing: inputNeurons[first..<last]), count: n)
                if lateral != 0 {
                    for k in 0..<n { current[k] = (current[k] - current[k] / tauS) + drive[k] }
                    for l in spikesPerStep[t - 1] {
                        for k in 0..<n where range.lowerBound + k != Int(l) { current[k] += lateral }
                    }
                }
                var anyFired: UInt8 = 0
                for k in 0..<n {
                    let ik = lateral != 0 ? current[k] : (current[k] - current[k] / tauS) + drive[k]
                    current[k] = ik
                    var vk = (v[k] - v[k] / tauM) + ik / tauS
                    let clamped = refractoryLeft[k] > 0
                    vk = clamped ? 0 : vk
                    refractoryLeft[k] = clamped ? refractoryLeft[k] - 1 : refractoryLeft[k]
                    let spike: UInt8 = vk > theta ? 1 : 0
                    fired[k] = spike
                    anyFired |= spike
                    membraneAtTest[k] = vk
                    v[k] = spike != 0 ? 0 : vk
                    refractoryLeft[k] = spike != 0 ? refractory : refractoryLeft[k]
                }
                if let trace {
                    for k in 0..<n {
                        trace.pointee.membrane[t * width + range.lowerBound + k] = membraneAtTest[k]
                        trace.pointee.current[t * width + range.lowerBound + k] = current[k]
                    }
                }
                if anyFired != 0 {
                    // Spikes are sparse: test eight flags at once and walk only words that fired.
                    var k = 0
                    while k + 8 <= n {
                        var word = UnsafeRawPointer(fired + k).loadUnaligned(as: UInt64.self)
                        while word != 0 {
                            let lane = word.trailingZeroBitCount / 8
                            spikesPerStep[t].append(Int32(range.lowerBound + k + lane))
                            word &= ~(UInt64(0xFF) << (lane * 8))
                        }
                        k += 8
                    }
                    while k < n {
                        if fired[k] != 0 { spikesPerStep[t].append(Int32(range.lowerBound + k)) }
                        k += 1
                    }
                }
            }
          }
        }
        return spikesPerStep
    }
}
