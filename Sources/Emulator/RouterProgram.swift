import NeuroImage

/// One router of an image (a core's table or the input map) resolved once per source: where
/// each source spike goes, and the router's per-step spike budget. The table lookup itself
/// ("first entry with n & mask == key", docs/image-format.md) is `RoutingTable.destinations`,
/// so the emulator and the decoder's checks share one reading of the format.
final class RouterProgram {
    /// Source spikes forwarded per step, lowest source first; 0 = no budget.
    let spikeBudget: Int
    /// `starts[n] ..< starts[n + 1]` index the destinations of source n.
    let starts: [Int32]
    let cores: [Int32]
    let axons: [Int32]
    /// The core every destination is on, when there is exactly one (the emulator then keeps
    /// that core's inbox count in a register while forwarding).
    let singleCore: Int?
    /// Every source has exactly one destination, all on `singleCore`: forwarding is then a
    /// plain gather `axons[source]` with no per-source loop (the usual input map and
    /// layer-to-layer route).
    let oneToOne: Bool
    let sourceCount: Int
    /// No source has a destination (an output core): forwarding only counts budget drops.
    let silent: Bool
    /// The cores it reaches, each with its number of destinations there: the most events one
    /// step can send that core.
    let targets: [(core: Int, destinations: Int)]
    /// The same tables as raw buffers for the step loop (no reference counting per access).
    let startsBuffer: AlignedBuffer<Int32>
    let coresBuffer: AlignedBuffer<Int32>
    let axonsBuffer: AlignedBuffer<Int32>

    init(table: RoutingTable, sourceCount: Int) {
        spikeBudget = table.spikeBudget
        self.sourceCount = sourceCount
        var starts: [Int32] = [0]
        var cores: [Int32] = [], axons: [Int32] = []
        starts.reserveCapacity(sourceCount + 1)
        for source in 0..<sourceCount {
            for destination in table.destinations(of: source) {
                cores.append(Int32(destination.core))
                axons.append(Int32(destination.axon))
            }
            starts.append(Int32(cores.count))
        }
        self.starts = starts
        self.cores = cores
        self.axons = axons
        singleCore = Set(cores).count == 1 ? Int(cores[0]) : nil
        oneToOne = singleCore != nil && starts.indices.allSatisfy { starts[$0] == Int32($0) }
        silent = cores.isEmpty
        var perCore: [Int: Int] = [:]
        for core in cores { perCore[Int(core), default: 0] += 1 }
        targets = perCore.keys.sorted().map { ($0, perCore[$0]!) }
        startsBuffer = AlignedBuffer(count: starts.count)
        coresBuffer = AlignedBuffer(count: cores.count)
        axonsBuffer = AlignedBuffer(count: axons.count)
        startsBuffer.pointer.update(from: starts, count: starts.count)
        coresBuffer.pointer.update(from: cores, count: cores.count)
        axonsBuffer.pointer.update(from: axons, count: axons.count)
    }

    /// Of `count` source spikes in one step, how many the budget drops (the highest sources).
    @inline(__always)
    func dropped(of count: Int) -> Int { spikeBudget == 0 ? 0 : max(0, count - spikeBudget) }

    /// How many destinations land on each axon of every core, counting each source once:
    /// the most events one step can deliver there (a source fires at most once per step).
    static func deliveriesPerAxon(routers: [RouterProgram], image: NeuroImage) -> [[Int]] {
        var counts = image.cores.map { [Int](repeating: 0, count: $0.axonCount) }
        for router in routers {
            for k in router.cores.indices { counts[Int(router.cores[k])][Int(router.axons[k])] += 1 }
        }
        return counts
    }
}
