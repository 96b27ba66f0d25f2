/// Spikes of a population over a time window, stored event by event: for each time step the
/// ascending list of neurons that fired. This is the one spike representation shared by the
/// data encoders, the float simulator, the trainer, the compiler's calibration and the emulator.
public struct SpikeRaster: Sendable, Equatable {
    public let neuronCount: Int
    public let timeSteps: Int
    /// `stepStarts[t] ..< stepStarts[t + 1]` indexes `neurons` for step t (count: timeSteps + 1).
    public private(set) var stepStarts: [Int32]
    /// Neuron indices, ascending within each step.
    public private(set) var neurons: [Int32]

    /// An empty raster to be filled step by step with `appendStep`.
    public init(neuronCount: Int, timeSteps: Int, reservingEvents: Int = 0) {
        precondition(neuronCount >= 0 && timeSteps >= 0)
        self.neuronCount = neuronCount
        self.timeSteps = timeSteps
        self.stepStarts = [0]
        self.stepStarts.reserveCapacity(timeSteps + 1)
        self.neurons = []
        self.neurons.reserveCapacity(reservingEvents)
    }

    /// Builds a raster from per-neuron spike times (each list ascending, times in 0..<timeSteps).
    public init(neuronCount: Int, timeSteps: Int, spikeTimes: [[Int]]) {
        precondition(spikeTimes.count == neuronCount)
        var perStep = [[Int32]](repeating: [], count: timeSteps)
        for (neuron, times) in spikeTimes.enumerated() {
            for t in times {
                precondition(t >= 0 && t < timeSteps, "spike time \(t) outside 0..<\(timeSteps)")
                perStep[t].append(Int32(neuron))
            }
        }
        self.init(neuronCount: neuronCount, timeSteps: timeSteps)
        for step in perStep { appendStep(step.sorted()) }
    }

    /// Adopts finished event arrays (the fast path for encoders): `stepStarts` has timeSteps + 1
    /// non-decreasing offsets from 0 to `neurons.count`, every index is below `neuronCount`.
    public init(neuronCount: Int, timeSteps: Int, stepStarts: [Int32], neurons: [Int32]) {
        precondition(stepStarts.count == timeSteps + 1 && stepStarts.first == 0 && Int(stepStarts.last!) == neurons.count,
                     "stepStarts must hold timeSteps + 1 offsets from 0 to the event count")
        precondition(zip(stepStarts, stepStarts.dropFirst()).allSatisfy { $0 <= $1 }, "stepStarts must not decrease")
        precondition(neurons.allSatisfy { $0 >= 0 && Int($0) < neuronCount }, "neuron index out of range")
        self.neuronCount = neuronCount
        self.timeSteps = timeSteps
        self.stepStarts = stepStarts
        self.neurons = neurons
    }

    /// Number of steps already filled.
    public var filledSteps: Int { stepStarts.count - 1 }

    /// Appends the spikes of the next time step (ascending neuron indices).
    public mutating func appendStep<C: Collection>(_ firing: C) where C.Element == Int32 {
        precondition(filledSteps < timeSteps, "raster already holds \(timeSteps) steps")
        neurons.append(contentsOf: firing)
        stepStarts.append(Int32(neurons.count))
    }

    /// Fills every remaining step with silence.
    public mutating func padToEnd() {
        while filledSteps < timeSteps { stepStarts.append(Int32(neurons.count)) }
    }

    public var totalSpikes: Int { neurons.count }

    /// The neurons that fired at step t.
    @inlinable
    public func firing(at t: Int) -> ArraySlice<Int32> {
        neurons[Int(stepStarts[t])..<Int(stepStarts[t + 1])]
    }

    /// Spike count of every neuron.
    public func counts() -> [Int32] {
        var result = [Int32](repeating: 0, count: neuronCount)
        for n in neurons { result[Int(n)] += 1 }
        return result
    }

    /// Ascending spike times of every neuron.
    public func spikeTimes() -> [[Int32]] {
        var result = [[Int32]](repeating: [], count: neuronCount)
        for t in 0..<filledSteps {
            for n in firing(at: t) { result[Int(n)].append(Int32(t)) }
        }
        return result
    }
}

/// The same spikes organised by neuron (compressed rows): `times[starts[i] ..< starts[i + 1]]`
/// are neuron i's spike times, ascending.
public struct SpikeTrains: Sendable, Equatable {
    public let starts: [Int32]
    public let times: [Int32]

    public init(_ raster: SpikeRaster) {
        var starts = [Int32](repeating: 0, count: raster.neuronCount + 1)
        for n in raster.neurons { starts[Int(n) + 1] += 1 }
        for i in 0..<raster.neuronCount { starts[i + 1] += starts[i] }
        var fill = starts
        var times = [Int32](repeating: 0, count: raster.neurons.count)
        for t in 0..<raster.filledSteps {
            for n in raster.firing(at: t) {
                times[Int(fill[Int(n)])] = Int32(t)
                fill[Int(n)] += 1
            }
        }
        self.starts = starts
        self.times = times
    }

    /// From per-neuron ascending spike times.
    public init(perNeuron: [[Int32]]) {
        var starts: [Int32] = [0]
        starts.reserveCapacity(perNeuron.count + 1)
        for times in perNeuron { starts.append(starts[starts.count - 1] + Int32(times.count)) }
        self.starts = starts
        self.times = perNeuron.flatMap { $0 }
    }

    public var neuronCount: Int { starts.count - 1 }

    public func count(of neuron: Int) -> Int { Int(starts[neuron + 1] - starts[neuron]) }

    public func counts() -> [Int32] { (0..<neuronCount).map { starts[$0 + 1] - starts[$0] } }

    /// Spike times of one neuron.
    public func times(of neuron: Int) -> ArraySlice<Int32> { times[Int(starts[neuron])..<Int(starts[neuron + 1])] }
}
