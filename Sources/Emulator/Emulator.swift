import Kernels
import NeuroImage
import SpikeModel

/// Executes a compiled image the way a board does (docs/emulator.md): every core updates its
/// neurons with the integer rule of docs/fixed-point.md in lockstep, and every spike travels
/// through the image's routing tables (spike budgets included) to the axons it reaches one step
/// later. Nothing but the image decides what happens; the float model is never consulted.
///
/// An `Emulator` is immutable and shared by all workers; each worker owns a `Workspace`.
public final class Emulator: @unchecked Sendable {
    public let image: NeuroImage
    let cores: [CoreProgram]
    let routers: [RouterProgram]
    let inputRouter: RouterProgram
    /// Most axon events one core can receive in one step.
    let inboxCapacity: [Int]
    /// Cores of each layer, by first neuron.
    let coresOfLayer: [[Int]]
    /// The cores in an order where every core comes after all cores that route spikes to it,
    /// or nil when the routing has a cycle or the per-step schedules of all cores would be too
    /// large (more than 2^24 core-steps): then samples run in lockstep only.
    let coreOrder: [Int]?
    /// When the input map has no budget and every core it reaches has no other source and at
    /// most one axon per input there: per such core, that axon of every input (-1: none). The
    /// core-by-core run then takes these cores' events straight from the input raster, without
    /// routing or sorting (and without copying them when the map is the identity).
    let directInputs: [DirectInput]
    struct DirectInput {
        let core: Int
        let axonOf: [Int32]
        /// Input n is axon n for every n.
        let identity: Bool
    }
    /// `cores` and `routers` as unretained references for the step loop: both workers read
    /// these shared objects every step, and retaining them there made their reference counts
    /// bounce between the cores' caches (a third of the run time with 8 cores). Valid while
    /// the emulator lives, since it holds the arrays.
    let coreRefs: UnsafeMutablePointer<Unmanaged<CoreProgram>>
    let routerRefs: UnsafeMutablePointer<Unmanaged<RouterProgram>>

    /// The C kernels the fast paths call (`FastKernels.default` unless a test chooses).
    public let kernels: FastKernels

    public convenience init(image: NeuroImage) { self.init(image: image, vectorize: true) }

    /// An emulator on the given build of the C kernels (the benchmark measures both).
    public convenience init(image: NeuroImage, kernels: FastKernels) { self.init(image: image, vectorize: true, kernels: kernels) }

    /// `vectorize: false` runs every core on the scalar kernel (the tests compare the two);
    /// `kernels` chooses the C kernels' build (the tests run both).
    init(image: NeuroImage, vectorize: Bool, kernels: FastKernels = .default) {
        self.image = image
        self.kernels = kernels
        routers = image.cores.indices.map { RouterProgram(table: image.routes[$0], sourceCount: image.cores[$0].neuronCount) }
        inputRouter = RouterProgram(table: image.inputMap, sourceCount: image.inputCount)
        let deliveries = RouterProgram.deliveriesPerAxon(routers: routers + [inputRouter], image: image)
        inboxCapacity = deliveries.map { $0.reduce(0, +) }
        cores = image.cores.indices.map { CoreProgram(index: $0, image: image, deliveriesPerAxon: deliveries[$0], vectorize: vectorize, kernels: kernels) }
        coresOfLayer = image.layers.indices.map { layer in
            image.cores.indices.filter { image.cores[$0].layer == layer }.sorted { image.cores[$0].firstNeuron < image.cores[$1].firstNeuron }
        }
        coreOrder = image.timeSteps * image.cores.count <= 1 << 24 ? Self.topologicalOrder(routers: routers) : nil
        directInputs = Self.directInputs(input: inputRouter, routers: routers)
        coreRefs = .allocate(capacity: max(cores.count, 1))
        routerRefs = .allocate(capacity: routers.count + 1)
        for (c, core) in cores.enumerated() { (coreRefs + c).initialize(to: .passUnretained(core)) }
        for (c, router) in (routers + [inputRouter]).enumerated() { (routerRefs + c).initialize(to: .passUnretained(router)) }
    }

    deinit {
        coreRefs.deallocate()
        routerRefs.deallocate()
    }

    static func directInputs(input: RouterProgram, routers: [RouterProgram]) -> [DirectInput] {
        guard input.spikeBudget == 0 else { return [] }
        let fed = Set(input.cores.map(Int.init)).sorted()
        var result: [DirectInput] = []
        for core in fed {
            guard !routers.contains(where: { $0.cores.contains(Int32(core)) }) else { return [] }
            var axonOf = [Int32](repeating: -1, count: input.sourceCount)
            for n in 0..<input.sourceCount {
                for d in Int(input.starts[n])..<Int(input.starts[n + 1]) where Int(input.cores[d]) == core {
                    guard axonOf[n] < 0 else { return [] }
                    axonOf[n] = input.axons[d]
                }
            }
            result.append(DirectInput(core: core, axonOf: axonOf, identity: axonOf.indices.allSatisfy { axonOf[$0] == Int32($0) }))
        }
        return result
    }

    /// Kahn's algorithm over the edges "core a's router has a destination on core b".
    static func topologicalOrder(routers: [RouterProgram]) -> [Int]? {
        let targets = routers.map { Set($0.cores.map(Int.init)) }
        var incoming = [Int](repeating: 0, count: routers.count)
        for set in targets { for b in set { incoming[b] += 1 } }
        var ready = (0..<routers.count).filter { incoming[$0] == 0 }
        var order: [Int] = []
        while let a = ready.popLast() {
            order.append(a)
            for b in targets[a].sorted() {
                incoming[b] -= 1
                if incoming[b] == 0 { ready.append(b) }
            }
        }
        return order.count == routers.count ? order : nil
    }

    /// Decodes and checks the image file first; a malformed file is an `ImageError` naming it.
    public convenience init(path: String) throws {
        self.init(image: try ImageDecoder.decode(path: path))
    }

    /// Whether every core runs the SIMD kernel (false: some use the exact but slower scalar one).
    public var allCoresVectorized: Bool { cores.allSatisfy(\.usesVectorKernel) }

    /// One worker's mutable state for all cores, reused sample after sample.
    public final class Workspace {
        let states: [CoreState]
        /// Per core, the whole-sample inputs of the core-by-core execution, and unretained.
        let schedules: [CoreSchedule]
        let scheduleRefs: UnsafeMutablePointer<Unmanaged<CoreSchedule>>
        /// Per core, the next inbox and its fill count while the routers forward one step.
        let inboxes: UnsafeMutablePointer<UnsafeMutablePointer<Int32>>
        let inboxCounts: UnsafeMutablePointer<Int>
        /// `states` unretained, valid while the workspace lives (see `Emulator.coreRefs`).
        let stateRefs: UnsafeMutablePointer<Unmanaged<CoreState>>
        init(_ emulator: Emulator) {
            states = emulator.cores.map { CoreState(program: $0, inboxCapacity: emulator.inboxCapacity[$0.index]) }
            schedules = emulator.coreOrder == nil ? [] : emulator.cores.map { CoreSchedule(program: $0, timeSteps: emulator.image.timeSteps) }
            scheduleRefs = .allocate(capacity: max(schedules.count, 1))
            for (c, schedule) in schedules.enumerated() { (scheduleRefs + c).initialize(to: .passUnretained(schedule)) }
            stateRefs = .allocate(capacity: max(states.count, 1))
            for (c, state) in states.enumerated() { (stateRefs + c).initialize(to: .passUnretained(state)) }
            inboxes = .allocate(capacity: max(states.count, 1))
            inboxes.initialize(repeating: states.first?.nextInbox ?? UnsafeMutablePointer(bitPattern: 64)!, count: max(states.count, 1))
            inboxCounts = .allocate(capacity: max(states.count, 1))
            inboxCounts.initialize(repeating: 0, count: max(states.count, 1))
        }

        deinit {
            scheduleRefs.deallocate()
            stateRefs.deallocate()
            inboxes.deallocate()
            inboxCounts.deallocate()
        }
    }

    public func makeWorkspace() -> Workspace { Workspace(self) }

    /// Checks that `input` can drive this image: as many neurons as the image has inputs and
    /// at least its T steps.
    public func check(_ input: SpikeRaster) throws {
        guard input.neuronCount == image.inputCount else {
            throw EmulatorError("input has \(input.neuronCount) neurons; the image (\(image.metadata.architecture)) expects \(image.inputCount)")
        }
        guard input.filledSteps >= image.timeSteps else {
            throw EmulatorError("input has \(input.filledSteps) time steps; the image runs \(image.timeSteps)")
        }
    }

    /// Runs one sample.
    public func run(_ input: SpikeRaster, recording: Recording = [], workspace: Workspace? = nil) throws -> SampleResult {
        try check(input)
        return execute(input, recording: recording, workspace: workspace ?? makeWorkspace())
    }

    /// Runs samples 0 ..< count, spread over all cores (sample i goes to worker i mod workers,
    /// each worker with its own workspace), and returns the results in sample order. `input`
    /// is called concurrently from the workers.
    public func run(count: Int, recording: Recording = [], input: (Int) throws -> SpikeRaster) throws -> [SampleResult] {
        var results = [SampleResult?](repeating: nil, count: count)
        var failures = [Error?](repeating: nil, count: Parallel.workerCount)
        let workers = Array(0..<min(Parallel.workerCount, max(count, 1))).map { $0..<($0 + 1) }
        results.withUnsafeMutableBufferPointer { out in
            failures.withUnsafeMutableBufferPointer { failed in
                Parallel.forEach(workers) { worker, _ in
                    let workspace = makeWorkspace()
                    do {
                        for i in stride(from: worker, to: count, by: workers.count) {
                            let raster = try input(i)
                            try check(raster)
                            out[i] = execute(raster, recording: recording, workspace: workspace)
                        }
                    } catch {
                        failed[worker] = error
                    }
                }
            }
        }
        if let error = failures.compactMap({ $0 }).first { throw error }
        return results.map { $0! }
    }
}
