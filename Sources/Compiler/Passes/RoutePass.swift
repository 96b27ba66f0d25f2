import HardwareTargets
import NeuroImage

/// Builds the uncompressed address-event tables: one exact entry per source neuron, sending it
/// to axon (its index in its layer) of every core of a fully connected next layer, or to the
/// axon of its position in the input window of every tile of a convolution or pooling layer
/// that sees it; the input map does the same for network inputs and the first layer. Reports
/// fan-outs above the router's limit.
public struct RoutePass: CompilerPass {
    public static let name = "route"
    public var target: HardwareTarget

    public init(target: HardwareTarget) { self.target = target }

    public func run(_ placement: Placement, diagnostics: inout Diagnostics) -> RoutingTables {
        let tiles = placement.tileIndices()
        let semantics = RouteSemantics(placement: placement)
        func entry(_ key: Int, layer next: Int, source: Int) -> RouteEntry {
            RouteEntry(key: UInt32(key), mask: ~0, targets: semantics.expected(layer: next, sourceIndex: source).map {
                RouteTarget(core: $0.core, axonBase: $0.axon)
            })
        }
        let coreTables = placement.cores.enumerated().map { c, slice -> RoutingTable in
            let next = slice.layer + 1
            guard next < placement.layers.count else { return RoutingTable(spikeBudget: target.router.spikesPerStep, entries: []) }
            let entries = (0..<slice.neuronCount).map { n in entry(n, layer: next, source: placement.modelIndex(core: c, neuron: n, tileIndices: tiles)) }
            return RoutingTable(spikeBudget: target.router.spikesPerStep, entries: entries)
        }
        let inputMap = RoutingTable(spikeBudget: 0, entries: (0..<placement.layers[0].inputCount).map { entry($0, layer: 0, source: $0) })
        reportFanOut(placement, coreTables: coreTables, inputMap: inputMap, diagnostics: &diagnostics)
        return RoutingTables(coreTables: coreTables, inputMap: inputMap)
    }

    /// The most cores one source spike of each layer's input must reach, against the router's limit.
    private func reportFanOut(_ placement: Placement, coreTables: [RoutingTable], inputMap: RoutingTable, diagnostics: inout Diagnostics) {
        let limit = target.router.destinationsPerSource
        var most = [Int](repeating: 0, count: placement.layers.count)
        for entry in inputMap.entries { most[0] = max(most[0], entry.targets.count) }
        for (c, table) in coreTables.enumerated() where placement.cores[c].layer + 1 < placement.layers.count {
            for entry in table.entries { most[placement.cores[c].layer + 1] = max(most[placement.cores[c].layer + 1], entry.targets.count) }
        }
        for (l, need) in most.enumerated() where need > limit {
            let source = l == 0 ? "network input" : "layer \(l - 1)"
            let how = placement.layers[l].geometry == nil ? "every core of layer \(l)" : "every tile of layer \(l) whose window holds them"
            diagnostics.report(Diagnostic(layer: l, resource: "destinations per source (\(source) spikes fan out to \(how))",
                                          need: need, limit: limit, fixes: []))
        }
    }

    /// Every source reaches exactly the axons the network's connectivity demands.
    public func check(_ placement: Placement, _ tables: RoutingTables) -> [String] {
        RouteSemantics(placement: placement).mismatches(tables: tables)
    }
}

/// What the network's connectivity demands of the tables, independent of how they are encoded:
/// source neuron i (its model index) of layer l goes to axon i of every core of a fully
/// connected layer l + 1, and to its position in the window of every tile of a spatial layer
/// l + 1 whose window holds it.
struct RouteSemantics {
    var placement: Placement
    private var tiles: [Int: [Int]]
    private var windows: [Int: InputWindow]

    init(placement: Placement) {
        self.placement = placement
        tiles = placement.tileIndices()
        windows = [:]
        for (c, slice) in placement.cores.enumerated() {
            if let tile = slice.tile, let geometry = placement.layers[slice.layer].geometry { windows[c] = geometry.window(of: tile) }
        }
    }

    func expected(layer next: Int, sourceIndex: Int) -> [Destination] {
        guard next < placement.layers.count else { return [] }
        guard let geometry = placement.layers[next].geometry else {
            return placement.coresOfLayer[next].map { Destination(core: $0, axon: sourceIndex) }
        }
        let map = geometry.input
        let channel = sourceIndex / (map.rows * map.columns), row = sourceIndex / map.columns % map.rows, column = sourceIndex % map.columns
        return placement.coresOfLayer[next].compactMap { c in
            windows[c]?.axon(channel: channel, row: row, column: column).map { Destination(core: c, axon: $0) }
        }
    }

    func mismatches(tables: RoutingTables) -> [String] {
        var problems: [String] = []
        guard tables.coreTables.count == placement.cores.count else { return ["\(tables.coreTables.count) tables for \(placement.cores.count) cores"] }
        for (c, slice) in placement.cores.enumerated() {
            for n in 0..<slice.neuronCount {
                let want = expected(layer: slice.layer + 1, sourceIndex: placement.modelIndex(core: c, neuron: n, tileIndices: tiles))
                if tables.coreTables[c].destinations(of: n).sorted() != want.sorted() {
                    problems.append("core \(c) neuron \(n): routed wrongly")
                }
            }
        }
        for j in 0..<placement.layers[0].inputCount where tables.inputMap.destinations(of: j).sorted() != expected(layer: 0, sourceIndex: j).sorted() {
            problems.append("input \(j): routed wrongly")
        }
        return problems
    }
}
