import SpikeModel

extension Emulator {
    /// Runs one sample: core by core (`executeCoreMajor`) when nothing is recorded and the
    /// routing has no cycle, else in lockstep.
    func execute(_ input: SpikeRaster, recording: Recording, workspace: Workspace) -> SampleResult {
        if recording.isEmpty, let order = coreOrder { return executeCoreMajor(input, order: order, workspace: workspace) }
        return executeLockstep(input, recording: recording, workspace: workspace)
    }

    /// The lockstep loop: at each step every core consumes the axon events delivered during the
    /// previous step, then every router forwards this step's spikes (and the input map this
    /// step's input spikes) into the cores' next inboxes.
    func executeLockstep(_ input: SpikeRaster, recording: Recording, workspace: Workspace) -> SampleResult {
        let states = workspace.states
        for state in states { state.reset() }
        let steps = image.timeSteps
        let recordSpikes = recording.contains(.spikes)
        var coreRasters = recordSpikes ? cores.map { SpikeRaster(neuronCount: $0.neuronCount, timeSteps: steps) } : []
        let traces = recording.contains(.states)
            ? cores.map { (membrane: AlignedBuffer<Int32>(count: steps * $0.paddedWidth), current: AlignedBuffer<Int32>(count: steps * $0.paddedWidth)) }
            : []
        var synapticEvents = 0
        var inputDropped = 0
        let inboxes = workspace.inboxes, inboxCounts = workspace.inboxCounts
        let coreCount = cores.count, coreRefs = self.coreRefs, routerRefs = self.routerRefs, stateRefs = workspace.stateRefs
        // The input's arrays, borrowed for the whole loop (a slice per step retains them).
        input.neurons.withUnsafeBufferPointer { inputNeurons in
        input.stepStarts.withUnsafeBufferPointer { inputStarts in
            for t in 0..<steps {
                for c in 0..<coreCount {
                    coreRefs[c]._withUnsafeGuaranteedRef { program in
                        stateRefs[c]._withUnsafeGuaranteedRef { state in
                            state.advanceInbox()
                            let row = traces.isEmpty ? nil : CoreKernel.TraceRow(membrane: traces[c].membrane.pointer + t * program.paddedWidth,
                                                                                  current: traces[c].current.pointer + t * program.paddedWidth)
                            Self.step(program, state, t: t, trace: row)
                            state.axonEvents += state.inboxCount
                            synapticEvents += state.inboxCount * program.neuronCount
                            let spikes = state.spikes.pointer
                            if recordSpikes { coreRasters[c].appendStep(UnsafeBufferPointer(start: spikes, count: state.spikeCount)) }
                            // The next inbox is empty now; the routers fill it through these.
                            inboxes[c] = state.nextInbox
                            inboxCounts[c] = 0
                        }
                    }
                }
                for c in 0..<coreCount {
                    stateRefs[c]._withUnsafeGuaranteedRef { state in
                        routerRefs[c]._withUnsafeGuaranteedRef { router in
                            state.droppedSpikes += forward(UnsafeBufferPointer(start: state.spikes.pointer, count: state.spikeCount), router,
                                                           inboxes: inboxes, counts: inboxCounts)
                        }
                    }
                }
                routerRefs[coreCount]._withUnsafeGuaranteedRef { router in
                    let firing = UnsafeBufferPointer(rebasing: inputNeurons[Int(inputStarts[t])..<Int(inputStarts[t + 1])])
                    inputDropped += forward(firing, router, inboxes: inboxes, counts: inboxCounts)
                }
                for c in 0..<coreCount { stateRefs[c]._withUnsafeGuaranteedRef { $0.nextInboxCount = inboxCounts[c] } }
            }
        }
        }
        return collect(states, synapticEvents: synapticEvents, inputDropped: inputDropped,
                       coreRasters: recordSpikes ? coreRasters : nil, traces: traces)
    }

    /// One step of one core on the kernel that suits it, its inbox already in place.
    @inline(__always)
    static func step(_ program: CoreProgram, _ state: CoreState, t: Int, trace row: CoreKernel.TraceRow?) {
        if t == 0 && row == nil {
            // Step 2 of the contract: at t = 0 only the decays happen, and the decay of the reset
            // state (all 0) is 0: nothing changes and nothing fires.
            state.spikeCount = 0
        } else if t == 0 {
            ScalarCoreKernel.step(program, state, t: 0, trace: row)
        } else if program.usesVectorKernel {
            CoreKernel.step(program, state, t: t, trace: row)
        } else {
            ScalarCoreKernel.step(program, state, t: t, trace: row)
        }
    }

    /// Sends source spikes (ascending) through one router into the inboxes (`counts[c]` entries
    /// filled on core c); returns how many the budget dropped.
    @inline(__always)
    func forward(_ sources: UnsafeBufferPointer<Int32>, _ router: RouterProgram,
                 inboxes: UnsafeMutablePointer<UnsafeMutablePointer<Int32>>, counts: UnsafeMutablePointer<Int>) -> Int {
        let dropped = router.dropped(of: sources.count), forwarded = sources.count - dropped
        if router.silent { return dropped }
        let starts = router.startsBuffer.pointer, cores = router.coresBuffer.pointer, axons = router.axonsBuffer.pointer
        if let core = router.singleCore {
            // One target core: its count stays in a register.
            let inbox = inboxes[core]
            var count = counts[core]
            if router.oneToOne {
                for k in 0..<forwarded { inbox[count + k] = axons[Int(sources[k])] }
                counts[core] = count + forwarded
            } else {
                for k in 0..<forwarded {
                    let n = Int(sources[k])
                    for d in Int(starts[n])..<Int(starts[n + 1]) {
                        inbox[count] = axons[d]
                        count += 1
                    }
                }
                counts[core] = count
            }
        } else {
            for k in 0..<forwarded {
                let n = Int(sources[k])
                for d in Int(starts[n])..<Int(starts[n + 1]) {
                    let core = Int(cores[d])
                    inboxes[core][counts[core]] = axons[d]
                    counts[core] += 1
                }
            }
        }
        return dropped
    }

    func collect(_ states: [CoreState], synapticEvents: Int, inputDropped: Int, coreRasters: [SpikeRaster]?,
                         traces: [(membrane: AlignedBuffer<Int32>, current: AlignedBuffer<Int32>)]) -> SampleResult {
        var neuronCounts = image.layers.map { [Int32](repeating: 0, count: $0.neuronCount) }
        var saturations = [Int](repeating: 0, count: image.layers.count)
        for (c, program) in cores.enumerated() {
            for k in 0..<program.neuronCount { neuronCounts[program.layer][program.firstNeuron + k] = states[c].spikeCounts.pointer[k] }
            saturations[program.layer] += states[c].saturations
        }
        var outputs = [Int32](repeating: 0, count: image.outputCount)
        for entry in image.outputMap {
            for j in 0..<entry.count { outputs[entry.firstOutput + j] = states[entry.core].spikeCounts.pointer[entry.firstNeuron + j] }
        }
        var result = SampleResult(
            outputCounts: outputs, prediction: predictedClass(counts: outputs), neuronCounts: neuronCounts, saturations: saturations,
            droppedSpikes: states.map(\.droppedSpikes) + [inputDropped], axonEvents: states.reduce(0) { $0 + $1.axonEvents },
            synapticEvents: synapticEvents)
        if let coreRasters {
            result.coreSpikes = coreRasters
            result.layerSpikes = layerRasters(coreRasters)
        }
        if !traces.isEmpty { result.layerStates = layerStates(traces) }
        return result
    }

    /// Merges the cores of each layer (contiguous neuron ranges, by first neuron) into layer indices.
    private func layerRasters(_ coreRasters: [SpikeRaster]) -> [SpikeRaster] {
        image.layers.indices.map { layer in
            var raster = SpikeRaster(neuronCount: image.layers[layer].neuronCount, timeSteps: image.timeSteps)
            var step: [Int32] = []
            for t in 0..<image.timeSteps {
                step.removeAll(keepingCapacity: true)
                for c in coresOfLayer[layer] {
                    let base = Int32(cores[c].firstNeuron)
                    for n in coreRasters[c].firing(at: t) { step.append(base + n) }
                }
                raster.appendStep(step)
            }
            return raster
        }
    }

    private func layerStates(_ traces: [(membrane: AlignedBuffer<Int32>, current: AlignedBuffer<Int32>)]) -> [LayerStates] {
        let steps = image.timeSteps
        return image.layers.indices.map { layer in
            let width = image.layers[layer].neuronCount
            var states = LayerStates(neurons: width, timeSteps: steps, membrane: .init(repeating: 0, count: steps * width),
                                     current: .init(repeating: 0, count: steps * width))
            for c in coresOfLayer[layer] {
                let program = cores[c]
                for t in 0..<steps {
                    for k in 0..<program.neuronCount {
                        states.membrane[t * width + program.firstNeuron + k] = Int64(traces[c].membrane.pointer[t * program.paddedWidth + k])
                        states.current[t * width + program.firstNeuron + k] = Int64(traces[c].current.pointer[t * program.paddedWidth + k])
                    }
                }
            }
            return states
        }
    }
}
