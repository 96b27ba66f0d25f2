import Foundation
import SpikeModel

/// The S-PSP e_{i|j} of algorithm section 4.2: the postsynaptic potential that presynaptic
/// train j contributes to neuron i, summed over the moments i fires.
///
/// Two evaluations: `direct` is the reference loop, pair by pair; `SPSPKernel` uses the fact
/// that e is linear in the presynaptic train (section 9): every presynaptic spike at step t
/// adds K[i, t] to e_{i|j}, so a whole layer's matrix is a sum of kernel rows, one per input
/// spike. The tests hold the two together.
public struct SPSPParameters: Sendable, Equatable {
    public var tauM: Double
    public var tauS: Double
    public var refractorySteps: Int
    /// Presynaptic spikes older than this many steps before the post spike are ignored (4 tauM).
    public var cutoff: Int
    /// e when the post neuron is silent but the pre neuron fired (keeps dead neurons learning).
    public var silentPostValue: Float

    public init(constants: NeuronConstants, silentPostValue: Float = 0.1) {
        tauM = Double(constants.tauM)
        tauS = Double(constants.tauS)
        refractorySteps = constants.refractorySteps
        cutoff = Int((4 * Double(constants.tauM)).rounded(.down))
        self.silentPostValue = silentPostValue
    }

    /// Contribution of one presynaptic spike with shifted lag `lag` to a post spike whose
    /// integration window is `window` steps long: the in-window PSP, or the PSP at the window
    /// start carried over by the synaptic current's decay.
    public func term(lag: Int, window: Int) -> Double {
        let m = Double(min(lag, window))
        let carried = exp(-Double(max(lag - window, 0)) / tauS)
        return carried / (1 - tauS / tauM) * (exp(-m / tauM) - exp(-m / tauS))
    }

    /// The reference loop of section 4.2 for one (post, pre) pair; times ascending.
    public func direct(post: [Int32], pre: [Int32]) -> Double {
        if post.isEmpty { return pre.isEmpty ? 0 : Double(silentPostValue) }
        var acc = 0.0
        var last = 1
        for tpRaw in post {
            let tp = Int(tpRaw)
            let window = tp - last
            let lowest = max(1, tp - cutoff)
            for tqRaw in pre {
                let tq = Int(tqRaw)
                if tq < lowest { continue }
                if tq >= tp { break }
                let shifted = tq + refractorySteps
                if shifted > tp { continue }
                acc += term(lag: tp - shifted, window: window)
            }
            last = tp + refractorySteps
        }
        return acc
    }
}

/// Precomputed terms and the per-neuron kernel rows K[i, t].
public struct SPSPKernel: Sendable {
    public let parameters: SPSPParameters
    public let timeSteps: Int
    /// table[window * (cutoff + 1) + lag], window clamped to `maximumWindow`.
    let table: [Float]
    /// The same rows with the lag reversed (index cutoff - lag), so that a kernel row is filled
    /// by a forward, vectorisable sweep over the presynaptic times.
    let reversedTable: [Float]
    let maximumWindow: Int

    public init(parameters: SPSPParameters, timeSteps: Int) {
        self.parameters = parameters
        self.timeSteps = timeSteps
        // Beyond a window of cutoff steps the lag never exceeds the window, so the term no
        // longer depends on it.
        maximumWindow = parameters.cutoff + 1
        var table = [Float](repeating: 0, count: (maximumWindow + 1) * (parameters.cutoff + 1))
        for window in 0...maximumWindow {
            for lag in 0...parameters.cutoff {
                table[window * (parameters.cutoff + 1) + lag] = Float(parameters.term(lag: lag, window: window))
            }
        }
        self.table = table
        let stride = parameters.cutoff + 1
        reversedTable = (0..<table.count).map { table[$0 / stride * stride + parameters.cutoff - $0 % stride] }
    }

    /// e for one (post, pre) pair with the precomputed terms: the loop of `SPSPParameters.direct`
    /// without its exponentials (for the output layer's lateral factor, computed every sample).
    public func pair(post: [Int32], pre: [Int32]) -> Float {
        if post.isEmpty { return pre.isEmpty ? 0 : parameters.silentPostValue }
        let refractory = parameters.refractorySteps, cutoff = parameters.cutoff
        var acc: Float = 0
        var last = 1
        for tpRaw in post {
            let tp = Int(tpRaw)
            let row = min(max(tp - last, 0), maximumWindow) * (cutoff + 1)
            let lowest = max(1, tp - cutoff)
            for tqRaw in pre {
                let tq = Int(tqRaw)
                if tq < lowest { continue }
                if tq >= tp || tq + refractory > tp { break }
                acc += table[row + tp - tq - refractory]
            }
            last = tp + refractory
        }
        return acc
    }

    /// Adds K[i, t] for one neuron with ascending spike times `post` into `row[t]` (length T).
    /// Returns false when the neuron is silent (its row stays zero).
    public func accumulateRow(post: UnsafeBufferPointer<Int32>, into row: UnsafeMutablePointer<Float>) -> Bool {
        if post.isEmpty { return false }
        let refractory = parameters.refractorySteps
        let cutoff = parameters.cutoff
        let stride = cutoff + 1
        reversedTable.withUnsafeBufferPointer { tableBuffer in
            var last = 1
            for tpRaw in post {
                let tp = Int(tpRaw)
                let window = min(tp - last, maximumWindow)
                let lowest = max(1, tp - cutoff)
                let highest = min(tp - 1, tp - refractory)
                if highest >= lowest {
                    // lag = tp - refractory - tq, so the reversed row's index cutoff - lag rises
                    // with tq, from cutoff - (tp - refractory - lowest) at tq = lowest.
                    let terms = tableBuffer.baseAddress! + max(window, 0) * stride + cutoff - (tp - refractory - lowest)
                    addRange(into: row + lowest, from: terms, count: highest - lowest + 1)
                }
                last = tp + refractory
            }
        }
        return true
    }
}

/// row[t] += terms[t] for t in 0..<count, 16 lanes at a time (each element gets one addition,
/// so the result is the scalar loop's).
@inline(__always)
private func addRange(into row: UnsafeMutablePointer<Float>, from terms: UnsafePointer<Float>, count: Int) {
    typealias V = SIMD16<Float>
    var t = 0
    while t + 16 <= count {
        let out = UnsafeMutableRawPointer(row + t)
        out.storeBytes(of: out.loadUnaligned(as: V.self) + UnsafeRawPointer(terms + t).loadUnaligned(as: V.self), as: V.self)
        t += 16
    }
    while t < count { row[t] += terms[t]; t += 1 }
}

