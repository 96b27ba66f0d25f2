import CKernels

/// The mutable state of one core during one sample, this step's spikes, the axon events waiting
/// for the next step, and per-sample counters. One worker owns one set of these for all cores
/// and reuses it sample after sample.
///
/// The neuron state lives in one of two forms (`FastForm` converts between them):
/// * canonical: c, u, r of every neuron and which neurons fired at the previous step (int32,
///   B <= 32; 64-byte aligned), as the general and scalar kernels and the traces use them;
/// * fast (`FastCoreKernel`): c + bias_c and u + bias_u, the spike history of the last R + 1
///   steps and the resting neurons as bitmaps (CKernels' `hm2bp_fast_state`).
final class CoreState {
    enum Form { case canonical, fast, both }
    var form = Form.canonical

    let current: AlignedBuffer<Int32>
    let membrane: AlignedBuffer<Int32>
    let refractory: AlignedBuffer<Int32>
    /// 1 where the neuron fired at the previous step, else 0.
    let firedLast: AlignedBuffer<Int32>

    let fastCurrent: AlignedBuffer<Int32>
    let fastMembrane: AlignedBuffer<Int32>
    let history: AlignedBuffer<UInt64>
    let resting: AlignedBuffer<UInt64>
    /// The fast form for the C calls, pointing at the four buffers above.
    let fast: UnsafeMutablePointer<hm2bp_fast_state>

    /// The step's int32 row sums, written by `CoreKernel` (packedWidth long; the entries past
    /// paddedWidth stay 0 for the fast kernel's whole blocks).
    let sums: AlignedBuffer<Int32>
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
    /// Upper bounds on every |c| and every |u| of the core after the last step (0 after a
    /// reset; `unknownBound` when the last step did not compute them). They prove that a step
    /// cannot saturate (`NarrowNeuronUpdate`, `FastCoreKernel`). `boundsExact`: they are the
    /// measured maxima (or their OR), not a projection.
    var currentBound: Int64 = 0
    var membraneBound: Int64 = 0
    var boundsExact = true
    static let unknownBound = Int64(1) << 40
    var saturations = 0
    /// Steps of this sample that ran on `FastCoreKernel` (the tests check the path is taken).
    var fastSteps = 0
    var droppedSpikes = 0
    var axonEvents = 0
    private let program: CoreProgram

    init(program: CoreProgram, inboxCapacity: Int) {
        self.program = program
        current = AlignedBuffer(count: program.paddedWidth)
        membrane = AlignedBuffer(count: program.paddedWidth)
        refractory = AlignedBuffer(count: program.paddedWidth)
        firedLast = AlignedBuffer(count: program.paddedWidth)
        fastCurrent = AlignedBuffer(count: program.packedWidth)
        fastMembrane = AlignedBuffer(count: program.packedWidth)
        let blocks = program.packedWidth / 64
        history = AlignedBuffer(count: (Int(program.refractorySteps) + 1) * blocks)
        resting = AlignedBuffer(count: blocks)
        fast = .allocate(capacity: 1)
        fast.initialize(to: hm2bp_fast_state(current: fastCurrent.pointer, membrane: fastMembrane.pointer,
                                             history: history.pointer, resting: resting.pointer))
        // 8 spare entries: the general path's extraction stores 8 lanes past the last spike.
        spikes = AlignedBuffer(count: program.packedWidth + 8)
        sums = AlignedBuffer(count: program.packedWidth)
        inboxStorage = (AlignedBuffer(count: inboxCapacity), AlignedBuffer(count: inboxCapacity))
        inbox = inboxStorage.0.pointer
        nextInbox = inboxStorage.1.pointer
        // Whole blocks: the core-by-core run writes the padding neurons' counts (0) too.
        spikeCounts = AlignedBuffer(count: program.packedWidth)
    }

    deinit { fast.deallocate() }

    /// Every state variable back to 0 before step 0 (docs/fixed-point.md section 1), in the
    /// form the core's steps will most likely take.
    func reset() {
        if program.fastEligible {
            fastCurrent.fill(Int32(program.currentBias)); fastMembrane.fill(Int32(program.membraneBias))
            history.fill(0); resting.fill(0)
            form = .fast
        } else {
            current.fill(0); membrane.fill(0); refractory.fill(0); firedLast.fill(0)
            form = .canonical
        }
        spikeCount = 0; lastSpikeCount = 0; inboxCount = 0; nextInboxCount = 0
        inbox = inboxStorage.0.pointer
        nextInbox = inboxStorage.1.pointer
        spikeCounts.fill(0)
        saturations = 0; droppedSpikes = 0; axonEvents = 0; fastSteps = 0
        currentBound = 0; membraneBound = 0; boundsExact = true
    }

    /// The events that arrived during the last step become this step's input.
    func advanceInbox() {
        swap(&inbox, &nextInbox)
        inboxCount = nextInboxCount
        nextInboxCount = 0
    }

    /// This step's events from elsewhere (the core-by-core run's schedule), instead of the inbox.
    func receive(_ events: UnsafeMutablePointer<Int32>, count: Int) {
        inbox = events
        inboxCount = count
    }

    /// Adds this step's spikes to the per-neuron counts (the fast kernel does it itself).
    func countSpikes() {
        let counts = spikeCounts.pointer
        for k in 0..<spikeCount { counts[Int(spikes.pointer[k])] += 1 }
    }
}
