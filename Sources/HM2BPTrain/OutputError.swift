import SpikeModel

/// The output layer's error signal (algorithm sections 3 and 4.5): the dead-zone count error,
/// the lateral factor and target spike injection.
struct OutputError {
    /// dE/do_i times the sample's boost weight (before dividing by the threshold).
    var gradient: [Float]
    /// Σ (o_i − y_i)² over the entries outside the dead zone (the reference's logged cost).
    var cost: Float

    init(counts: [Int32], label: Int, boostWeight: Float, config: TrainingConfig) {
        var gradient = [Float](repeating: 0, count: counts.count)
        var cost: Float = 0
        for (i, count) in counts.enumerated() {
            let desired = i == label ? config.desiredCount : config.undesiredCount
            let difference = Float(count) - desired
            if abs(difference) > config.margin {
                gradient[i] = difference * boostWeight
                cost += difference * difference
            }
        }
        self.gradient = gradient
        self.cost = cost
    }
}

enum TargetInjection {
    /// Artificial spikes of a silent target neuron, used only for its S-PSPs: one every
    /// ⌊T / desired⌋ steps from that step on, below T (T = 400, desired 35: 11, 22, ..., 396).
    /// A desired count below 1 injects nothing (the reference would divide by zero).
    static func spikes(timeSteps: Int, desiredCount: Float) -> [Int32] {
        guard desiredCount >= 1 else { return [] }
        let spacing = Int(Float(timeSteps) / desiredCount)
        guard spacing >= 1 else { return [] }
        return stride(from: spacing, to: timeSteps, by: spacing).map { Int32($0) }
    }
}

enum LateralFactor {
    /// λ_j = 1 / (1 − w0² Σ_{l≠j} r_jl d_l r_lj d_j) from the actual output trains (section 4.5).
    /// d_n = 1/ν when n fired or is the target; r_jl = e_{l|j}/o_j, or 1 when either count is 0.
    /// The reference has no guard; a denominator ≤ 0 (the geometric series diverges) gives
    /// λ = 1 here, i.e. no lateral correction, rather than a negative or infinite factor.
    static func compute(outputTimes: [[Int32]], label: Int, threshold: Float, strength: Float, kernel: SPSPKernel) -> [Float] {
        let n = outputTimes.count
        let counts = outputTimes.map(\.count)
        let d = (0..<n).map { counts[$0] > 0 || $0 == label ? 1 / threshold : 0 }
        func ratio(_ j: Int, _ l: Int) -> Float {
            guard counts[j] > 0, counts[l] > 0 else { return 1 }
            return kernel.pair(post: outputTimes[l], pre: outputTimes[j]) / Float(counts[j])
        }
        return (0..<n).map { j in
            guard d[j] != 0 else { return 1 }
            var loop: Float = 0
            for l in 0..<n where l != j && d[l] != 0 {
                loop += ratio(j, l) * d[l] * ratio(l, j) * d[j]
            }
            let denominator = 1 - strength * strength * loop
            return denominator > 0 ? 1 / denominator : 1
        }
    }
}

/// Prediction: argmax of the output counts, ties to the lowest index (silence predicts 0).
public func predictedClass(_ counts: [Int32]) -> Int {
    var best = 0
    for i in counts.indices where counts[i] > counts[best] { best = i }
    return best
}
