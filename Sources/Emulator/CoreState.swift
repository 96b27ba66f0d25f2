/// The mutable state of one core during one sample: c, u, r of every neuron (int32: B <= 32,
/// 64-byte aligned), which neurons fired at the previous step (for lateral inhibition), this
/// step's spikes, the axon events waiting for the next step, and per-sample counters.
/// One worker owns one set of these for all cores and reuses it sample after sample.
final class CoreState {
    let current: AlignedBuffer<Int32>
    let membrane: AlignedBuffer<Int32>
    let refractory: AlignedBuffer<Int32>
    /// 1 where the neuron fired at the previous step, else 0.
    let firedLast: AlignedBuffer<Int32>
    /// The step's int32 row sums, written by `CoreKernel` for `NeuronUpdate`.
    let sums: AlignedBuffer<Int32>
    /// The step's offset row sums in `CoreProgram.packedWeights`' units, written by `FusedCoreKernel`.
    let packedSums: AlignedBuffer<UInt16>
    /// Local indices of the neurons that fired this step, ascending.
    let spikes: AlignedBuffer<Int32>
    var spikeCount = 0
    /// Spikes at the previous step (n_i of the lateral term is this minus firedLast[i]).
    var lastSpikeCount = 0
    /// Axon events delivered for the step being computed, and those arriving for the next.
    /// Two buffers; `inbox` and `nextInbox` point into them and trade places every step
    /// (raw pointers, so the swap costs no reference counting).
    private let inboxStorage: (AlignedBuffer<Int32>, AlignedBuffer<Int32>)
    private(set) var inbox: UnsafeMutablePointer<Int32>
    var inboxCount = 0
    private(set) var nextInbox: UnsafeMutablePointer<Int32>
    var nextInboxCount = 0
    let spikeCounts: AlignedBuffer<Int32>
    /// An upper bound on every |c| and |u| of the core after the last step (0 after a reset;
    /// `unknownBound` when the last step did not compute one). `NarrowNeuronUpdate` uses it
    /// to prove a step cannot saturate.
    var stateBound: Int64 = 0
    static let unknownBound = Int64(1) << 40
    var saturations = 0
    /// Steps of this sample that ran on `FusedCoreKernel` (the tests check the path is taken).
    var fusedSteps = 0
    var droppedSpikes = 0
    var axonEvents = 0

    init(program: CoreProgram, inboxCapacity: Int) {
        current = AlignedBuffer(count: program.paddedWidth)
        membrane = AlignedBuffer(count: program.paddedWidth)
        refractory = AlignedBuffer(count: program.paddedWidth)
        firedLast = AlignedBuffer(count: program.paddedWidth)
        // 8 spare entries: spike extraction stores 8 lanes at a time past the last spike.
        spikes = AlignedBuffer(count: program.paddedWidth + 8)
        sums = AlignedBuffer(count: program.paddedWidth)
        packedSums = AlignedBuffer(count: program.packedWidth)
        inboxStorage = (AlignedBuffer(count: inboxCapacity), AlignedBuffer(count: inboxCapacity))
        inbox = inboxStorage.0.pointer
        nextInbox = inboxStorage.1.pointer
        spikeCounts = AlignedBuffer(count: program.neuronCount)
    }

    /// Every state variable back to 0 before step 0 (docs/fixed-point.md section 1).
    func reset() {
        current.fill(0); membrane.fill(0); refractory.fill(0); firedLast.fill(0)
        spikeCount = 0; lastSpikeCount = 0; inboxCount = 0; nextInboxCount = 0
        spikeCounts.fill(0)
        saturations = 0; droppedSpikes = 0; axonEvents = 0; stateBound = 0; fusedSteps = 0
    }

    /// The events that arrived during the last step become this step's input.
    func advanceInbox() {
        swap(&inbox, &nextInbox)
        inboxCount = nextInboxCount
        nextInboxCount = 0
    }
}
