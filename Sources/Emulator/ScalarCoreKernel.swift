import NeuroImage

/// The same step as `CoreKernel`, neuron by neuron with 64-bit row sums and the contract's
/// reference `FixedPointNeuron.step`. Used for cores whose row sums could leave int32 (huge
/// fan-in or many deliveries per axon), and by the tests as a second, independent reading of
/// docs/fixed-point.md.
enum ScalarCoreKernel {
    static func step(_ p: CoreProgram, _ s: CoreState, t: Int, trace: CoreKernel.TraceRow?) {
        FastForm.ensureCanonical(p, s, t: t)
        var sums = [Int64](repeating: 0, count: p.neuronCount)
        for e in 0..<s.inboxCount {
            let row = p.weights.pointer + Int(s.inbox[e]) * p.paddedWidth
            for k in 0..<p.neuronCount { sums[k] &+= Int64(row[k]) }
        }
        let previous = s.lastSpikeCount
        var spikeCount = 0
        var atTest: Int64 = 0
        for k in 0..<p.neuronCount {
            var state = NeuronState(current: Int64(s.current.pointer[k]), membrane: Int64(s.membrane.pointer[k]),
                                    refractoryLeft: Int(s.refractory.pointer[k]))
            let others = p.hasLateral ? previous - Int(s.firedLast.pointer[k]) : 0
            let fired = FixedPointNeuron.step(&state, rule: p.rule, threshold: Int64(p.thresholds.pointer[k]), lateral: Int64(p.laterals.pointer[k]), t: t,
                                              synapticSum: sums[k], lateralCount: others, saturations: &s.saturations,
                                              membraneAtTest: &atTest)
            // Within B <= 32 bits by the contract's saturation, so int32 holds them exactly.
            s.current.pointer[k] = Int32(state.current)
            s.membrane.pointer[k] = Int32(state.membrane)
            s.refractory.pointer[k] = Int32(state.refractoryLeft)
            s.firedLast.pointer[k] = fired ? 1 : 0
            if let trace {
                trace.membrane[k] = Int32(atTest)
                trace.current[k] = Int32(state.current)
            }
            if fired {
                s.spikes.pointer[spikeCount] = Int32(k)
                spikeCount += 1
            }
        }
        s.spikeCount = spikeCount
        s.lastSpikeCount = spikeCount
        s.currentBound = CoreState.unknownBound
        s.membraneBound = CoreState.unknownBound
        s.boundsExact = true
        s.form = .canonical
        s.countSpikes()
    }
}
