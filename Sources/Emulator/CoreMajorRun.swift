import CKernels
import SpikeModel

/// Core-by-core execution of one sample, for images whose routing has no cycle: each core runs
/// all T steps at once, in topological order, from the events its sources sent it. This is the
/// lockstep semantics exactly (docs/fixed-point.md section 3: running the layers one after the
/// other on finished spike trains is identical): a core's step t sees only the events its
/// sources emitted at t - 1, routed in the same order and with the same budgets. The tests hold
/// the two executions equal.
///
/// What it buys: a core with no lateral term whose every step takes the fast form runs as one C
/// call (`hm2bp_core_run`) that keeps each 64-neuron block's state in registers for the whole
/// sample; it proves afterwards, from the extremes it reports, that no step could saturate
/// (`coreRunIsExact`), and otherwise the core is rerun step by step.
extension Emulator {
    /// A core's inputs for a whole sample and the buffers of its run, reused sample after sample.
    final class CoreSchedule {
        /// Events arriving for step t, in the order routed: (step, axon) pairs, `arrivals` of
        /// them (raw growable buffers, which `forward` fills like a lockstep inbox).
        var arrivalSteps: AlignedBuffer<Int32>
        var arrivalAxons: AlignedBuffer<Int32>
        var arrivals = 0
        /// The arrivals sorted by step: step t's events are events[starts[t] ..< starts[t + 1]].
        let starts: AlignedBuffer<Int32>
        var events: AlignedBuffer<Int32>
        /// Where the sorted events are: `events`, the arrivals themselves, or the input raster.
        var eventsPointer: UnsafeMutablePointer<Int32>
        let fill: AlignedBuffer<Int32>
        /// Spike bitmap of every step (row t: blocks words), made at the first whole-sample run,
        /// and the C run's scratch.
        var spikeBits: AlignedBuffer<UInt64>?
        var scratch: AlignedBuffer<UInt32>
        /// One step's spikes, ascending, for routing.
        let stepSpikes: AlignedBuffer<Int32>

        init(program: CoreProgram, timeSteps: Int) {
            arrivalSteps = AlignedBuffer(count: 1024)
            arrivalAxons = AlignedBuffer(count: 1024)
            starts = AlignedBuffer(count: timeSteps + 1)
            events = AlignedBuffer(count: 1024)
            eventsPointer = events.pointer
            fill = AlignedBuffer(count: timeSteps)
            scratch = AlignedBuffer(count: 1024)
            stepSpikes = AlignedBuffer(count: program.packedWidth)
        }

        /// Room for `more` arrivals.
        func reserve(_ more: Int) {
            guard arrivals + more > arrivalSteps.count else { return }
            let capacity = max(2 * arrivalSteps.count, arrivals + more)
            let steps = AlignedBuffer<Int32>(count: capacity), axons = AlignedBuffer<Int32>(count: capacity)
            steps.pointer.update(from: arrivalSteps.pointer, count: arrivals)
            axons.pointer.update(from: arrivalAxons.pointer, count: arrivals)
            arrivalSteps = steps
            arrivalAxons = axons
        }

        /// Sorts the arrivals by step (a counting sort; the order within a step is kept). A core
        /// with one source receives them in step order already: then only the starts are counted
        /// and the arrivals are the events.
        func buildSchedule(timeSteps: Int) -> Int {
            let total = arrivals
            let starts = starts.pointer, stepOf = arrivalSteps.pointer
            starts.update(repeating: 0, count: timeSteps + 1)
            var ordered = true
            var last: Int32 = 0
            for k in 0..<total {
                let t = stepOf[k]
                starts[Int(t) &+ 1] &+= 1
                ordered = ordered && t >= last
                last = t
            }
            for t in 0..<timeSteps { starts[t &+ 1] &+= starts[t] }
            if ordered {
                eventsPointer = arrivalAxons.pointer
                return total
            }
            if events.count < total { events = AlignedBuffer(count: max(total, 2 * events.count)) }
            eventsPointer = events.pointer
            let fill = fill.pointer, events = events.pointer, axonOf = arrivalAxons.pointer
            fill.update(from: starts, count: timeSteps)
            for k in 0..<total {
                let t = Int(stepOf[k])
                events[Int(fill[t])] = axonOf[k]
                fill[t] &+= 1
            }
            return total
        }
    }

    func executeCoreMajor(_ input: SpikeRaster, order: [Int], workspace: Workspace) -> SampleResult {
        input.neurons.withUnsafeBufferPointer { neurons in
            input.stepStarts.withUnsafeBufferPointer { stepStarts in
                executeCoreMajor(neurons: neurons, stepStarts: stepStarts, order: order, workspace: workspace)
            }
        }
    }

    private func executeCoreMajor(neurons: UnsafeBufferPointer<Int32>, stepStarts: UnsafeBufferPointer<Int32>, order: [Int],
                                  workspace: Workspace) -> SampleResult {
        let steps = image.timeSteps
        let states = workspace.states
        for state in states { state.reset() }
        for schedule in workspace.schedules { schedule.arrivals = 0 }
        var inputDropped = 0
        if directInputs.isEmpty {
            for t in 0..<steps {
                let firing = UnsafeBufferPointer(rebasing: neurons[Int(stepStarts[t])..<Int(stepStarts[t + 1])])
                inputDropped += route(firing, inputRouter, step: t + 1, steps: steps, workspace)
            }
        }
        for direct in directInputs { deliverInput(direct, neurons: neurons, stepStarts: stepStarts, workspace.schedules[direct.core]) }
        var synapticEvents = 0
        for c in order {
            let program = cores[c], state = states[c], schedule = workspace.schedules[c], router = routers[c]
            let total = directInputs.contains(where: { $0.core == c }) ? Int(schedule.starts.pointer[steps]) : schedule.buildSchedule(timeSteps: steps)
            synapticEvents += total * program.neuronCount
            if runWhole(program, state, schedule) {
                let blocks = program.packedWidth / 64
                let spikeBits = schedule.spikeBits!.pointer
                if router.silent {
                    // Nothing to deliver: only the budget's drops are counted.
                    for t in 0..<steps where router.spikeBudget > 0 {
                        var count = 0
                        for b in 0..<blocks { count += spikeBits[t * blocks + b].nonzeroBitCount }
                        state.droppedSpikes += router.dropped(of: count)
                    }
                } else {
                    for t in 0..<steps {
                        let count = schedule.extractSpikes(row: t, blocks: blocks)
                        state.droppedSpikes += route(UnsafeBufferPointer(start: schedule.stepSpikes.pointer, count: count), router,
                                                     step: t + 1, steps: steps, workspace)
                    }
                }
            } else {
                state.reset()
                for t in 0..<steps {
                    let first = Int(schedule.starts.pointer[t])
                    state.receive(schedule.eventsPointer + first, count: Int(schedule.starts.pointer[t + 1]) - first)
                    Self.step(program, state, t: t, trace: nil)
                    state.droppedSpikes += route(UnsafeBufferPointer(start: state.spikes.pointer, count: state.spikeCount), router,
                                                 step: t + 1, steps: steps, workspace)
                }
            }
            state.axonEvents = total
        }
        return collect(states, synapticEvents: synapticEvents, inputDropped: inputDropped, coreRasters: nil, traces: [])
    }

    /// A core fed by the input map alone: step t's events are the input spikes of step t - 1
    /// that reach it, as its axons, in the raster's ascending order (what routing would give).
    private func deliverInput(_ direct: DirectInput, neurons: UnsafeBufferPointer<Int32>, stepStarts: UnsafeBufferPointer<Int32>,
                              _ schedule: CoreSchedule) {
        let steps = image.timeSteps, starts = schedule.starts.pointer
        starts[0] = 0
        if direct.identity {
            for t in 1...steps { starts[t] = stepStarts[t - 1] }
            schedule.eventsPointer = UnsafeMutablePointer(mutating: neurons.baseAddress ?? UnsafePointer(schedule.events.pointer))
            return
        }
        let total = Int(stepStarts[steps - 1])
        if schedule.events.count < total { schedule.events = AlignedBuffer(count: max(total, 2 * schedule.events.count)) }
        let events = schedule.events.pointer
        var count = 0
        starts[1] = 0
        direct.axonOf.withUnsafeBufferPointer { axonOf in
            for t in 1..<steps {
                for k in Int(stepStarts[t - 1])..<Int(stepStarts[t]) {
                    let axon = axonOf[Int(neurons[k])]
                    events[count] = axon
                    count &+= axon >= 0 ? 1 : 0
                }
                starts[t + 1] = Int32(count)
            }
        }
        schedule.eventsPointer = events
    }

    /// Whole-sample runs keep every step's spike bitmap: at most this many words (128 MB) per
    /// core, else the core runs step by step.
    static let largestSpikeBitmap = 1 << 24

    /// Runs all steps of a core in one `hm2bp_core_run` call when it may (a fast-form core
    /// without a lateral term, at most 255 events per step) and the run proves exact; false
    /// leaves the core to the step-by-step path.
    private func runWhole(_ p: CoreProgram, _ s: CoreState, _ schedule: CoreSchedule) -> Bool {
        let steps = image.timeSteps, bitmapWords = steps * p.packedWidth / 64
        guard p.fastEligible, !p.hasLateral, p.axonCount * p.packedWidth <= Int(Int32.max), bitmapWords <= Self.largestSpikeBitmap
        else { return false }
        if schedule.spikeBits == nil { schedule.spikeBits = AlignedBuffer(count: bitmapWords) }
        let starts = schedule.starts.pointer
        let scratchWords = steps + 2 + 2 * (Int(p.refractorySteps) + 1) + Int(starts[steps])
        if schedule.scratch.count < scratchWords { schedule.scratch = AlignedBuffer(count: 2 * scratchWords) }
        var mostEvents = 0
        for t in 0..<steps { mostEvents = max(mostEvents, Int(starts[t + 1] - starts[t])) }
        guard mostEvents <= FastCoreKernel.maxPackedEvents, let drive = FastCoreKernel.wholeRunDrive(p, events: mostEvents) else { return false }
        // c is bounded before the run when that bound leaves room; else the run measures it.
        let currentBeforeRun = FastCoreKernel.currentBoundBeforeRun(p, drive: drive)
        let measureCurrent = !FastCoreKernel.coreRunIsExact(p, drive: drive, currentBound: currentBeforeRun, membraneMin: 0)
        var extremes: (Int64, Int64, Int64) = (0, 0, 0)
        withUnsafeMutableBytes(of: &extremes) { raw in
            p.kernels.coreRun(p.fast, steps, starts, schedule.eventsPointer, schedule.spikeBits!.pointer, s.spikeCounts.pointer,
                           schedule.scratch.pointer, measureCurrent ? 1 : 0, raw.baseAddress!.assumingMemoryBound(to: Int64.self))
        }
        let current = measureCurrent ? max(extremes.0, -extremes.1, 0) : currentBeforeRun
        guard FastCoreKernel.coreRunIsExact(p, drive: drive, currentBound: current, membraneMin: extremes.2) else { return false }
        s.fastSteps = steps - 1
        return true
    }

    /// Sends source spikes (ascending) of one step through a router with the lockstep loop's
    /// `forward`, appending to the target cores' arrivals for `step` (dropped past the sample's
    /// end, as in lockstep, where they would wait for a step that never comes). Returns how many
    /// sources the budget dropped.
    func route(_ sources: UnsafeBufferPointer<Int32>, _ router: RouterProgram, step: Int, steps: Int, _ workspace: Workspace) -> Int {
        guard !router.silent, step < steps else { return router.dropped(of: sources.count) }
        let inboxes = workspace.inboxes, counts = workspace.inboxCounts, schedules = workspace.scheduleRefs
        for target in router.targets {
            schedules[target.core]._withUnsafeGuaranteedRef { schedule in
                schedule.reserve(target.destinations)
                inboxes[target.core] = schedule.arrivalAxons.pointer
                counts[target.core] = schedule.arrivals
            }
        }
        let dropped = forward(sources, router, inboxes: inboxes, counts: counts)
        for target in router.targets {
            schedules[target.core]._withUnsafeGuaranteedRef { schedule in
                let added = counts[target.core] - schedule.arrivals
                (schedule.arrivalSteps.pointer + schedule.arrivals).update(repeating: Int32(step), count: added)
                schedule.arrivals += added
            }
        }
        return dropped
    }
}

extension Emulator.CoreSchedule {
    /// Step t's spikes from the bitmap into `stepSpikes`, ascending; returns their count.
    func extractSpikes(row t: Int, blocks: Int) -> Int {
        let words = spikeBits!.pointer + t * blocks, out = stepSpikes.pointer
        var count = 0
        for b in 0..<blocks {
            var word = words[b]
            while word != 0 {
                out[count] = Int32(64 * b + word.trailingZeroBitCount)
                count += 1
                word &= word - 1
            }
        }
        return count
    }
}
