/// Converts a core's state between its canonical and fast forms (see `CoreState`), so that
/// consecutive steps may take different kernels. `t` is the step about to run; the state is
/// the one after step t - 1. Both directions are exact, and only run when the kernel changes.
///
/// The history identity: r > 0 before step t exactly for the neurons that fired at some
/// s in [t - R, t - 1], and then r = R - (t - 1 - s) (a spike sets r = R, and every step with
/// r > 0 clamps and counts down; a resting neuron cannot fire). So r and the last R steps'
/// spikes determine each other, and the last step's spikes (the lateral term) are row t - 1.
enum FastForm {
    static func ensureCanonical(_ p: CoreProgram, _ s: CoreState, t: Int) {
        guard s.form == .fast else { return }
        let slots = Int(p.refractorySteps) + 1, blocks = p.packedWidth / 64, refractory = Int(p.refractorySteps)
        let history = s.history.pointer
        func fired(_ step: Int, _ k: Int) -> Bool {
            step >= 0 && history[(step % slots) * blocks + k / 64] >> UInt64(k % 64) & 1 == 1
        }
        for k in 0..<p.neuronCount {
            s.current.pointer[k] = Int32(Int64(s.fastCurrent.pointer[k]) - p.currentBias)
            s.membrane.pointer[k] = Int32(Int64(s.fastMembrane.pointer[k]) - p.membraneBias)
            var left: Int32 = 0
            if s.resting.pointer[k / 64] >> UInt64(k % 64) & 1 == 1 {
                for step in max(t - refractory, 0)..<t where fired(step, k) { left = Int32(refractory - (t - 1 - step)) }
            }
            s.refractory.pointer[k] = left
            s.firedLast.pointer[k] = fired(t - 1, k) ? 1 : 0
        }
        s.form = .both
    }

    static func ensureFast(_ p: CoreProgram, _ s: CoreState, t: Int) {
        guard s.form == .canonical else { return }
        let slots = Int(p.refractorySteps) + 1, blocks = p.packedWidth / 64, refractory = Int(p.refractorySteps)
        s.fastCurrent.fill(Int32(p.currentBias))
        s.fastMembrane.fill(Int32(p.membraneBias))
        s.history.fill(0)
        s.resting.fill(0)
        func mark(_ step: Int, _ k: Int) {
            s.history.pointer[(step % slots) * blocks + k / 64] |= 1 << UInt64(k % 64)
        }
        for k in 0..<p.neuronCount {
            s.fastCurrent.pointer[k] = Int32(Int64(s.current.pointer[k]) + p.currentBias)
            s.fastMembrane.pointer[k] = Int32(Int64(s.membrane.pointer[k]) + p.membraneBias)
            let left = Int(s.refractory.pointer[k])
            if left > 0 {
                s.resting.pointer[k / 64] |= 1 << UInt64(k % 64)
                mark(t - 1 - (refractory - left), k)
            }
            // The general path keeps firedLast only for layers with a lateral term, the only
            // readers of history row t - 1 besides the refractory rows written above.
            if p.hasLateral && s.firedLast.pointer[k] == 1 && t >= 1 { mark(t - 1, k) }
        }
        s.form = .both
    }
}
