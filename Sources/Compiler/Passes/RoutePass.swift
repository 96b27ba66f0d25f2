import HardwareTargets
import NeuroImage

/// Builds the uncompressed address-event tables: one exact entry per source neuron, sending it
/// to axon (its index in its layer) of every core of the next layer; the input map does the
/// same for network inputs and the first layer. Reports fan-outs above the router's limit.
public struct RoutePass: CompilerPass {
    public static let name = "route"
    public var target: HardwareTarget

    public init(target: HardwareTarget) { self.target = target }

    public func run(_ placement: Placement, diagnostics: inout Diagnostics) -> RoutingTables {
        let limit = target.router.destinationsPerSource
        for (l, cores) in placement.coresOfLayer.enumerated() where cores.count > limit {
            let source = l == 0 ? "network input" : "layer \(l - 1)"
            diagnostics.report(Diagnostic(layer: l, resource: "destinations per source (\(source) spikes fan out to every core of layer \(l))",
                                          need: cores.count, limit: limit, fixes: []))
        }
        let coreTables = placement.cores.map { slice -> RoutingTable in
            let next = slice.layer + 1
            guard next < placement.layers.count else { return RoutingTable(spikeBudget: target.router.spikesPerStep, entries: []) }
            let entries = (0..<slice.neuronCount).map { n in
                RouteEntry(key: UInt32(n), mask: ~0, targets: placement.coresOfLayer[next].map { RouteTarget(core: $0, axonBase: slice.firstNeuron + n) })
            }
            return RoutingTable(spikeBudget: target.router.spikesPerStep, entries: entries)
        }
        let inputMap = RoutingTable(spikeBudget: 0, entries: (0..<placement.layers[0].inputCount).map { j in
            RouteEntry(key: UInt32(j), mask: ~0, targets: placement.coresOfLayer[0].map { RouteTarget(core: $0, axonBase: j) })
        })
        return RoutingTables(coreTables: coreTables, inputMap: inputMap)
    }

    /// Every source reaches exactly the axons the network's connectivity demands.
    public func check(_ placement: Placement, _ tables: RoutingTables) -> [String] {
        RouteSemantics.mismatches(placement: placement, tables: tables)
    }
}

/// What the network's connectivity demands of the tables, independent of how they are encoded:
/// source neuron i of layer l goes to axon (its layer index) of every core of layer l + 1.
enum RouteSemantics {
    static func expected(placement: Placement, layer next: Int, sourceIndex: Int) -> [Destination] {
        guard next < placement.layers.count else { return [] }
        return placement.coresOfLayer[next].map { Destination(core: $0, axon: sourceIndex) }
    }

    static func mismatches(placement: Placement, tables: RoutingTables) -> [String] {
        var problems: [String] = []
        guard tables.coreTables.count == placement.cores.count else { return ["\(tables.coreTables.count) tables for \(placement.cores.count) cores"] }
        for (c, slice) in placement.cores.enumerated() {
            for n in 0..<slice.neuronCount {
                let want = expected(placement: placement, layer: slice.layer + 1, sourceIndex: slice.firstNeuron + n)
                if tables.coreTables[c].destinations(of: n).sorted() != want.sorted() {
                    problems.append("core \(c) neuron \(n): routed wrongly")
                }
            }
        }
        for j in 0..<placement.layers[0].inputCount where tables.inputMap.destinations(of: j).sorted() != expected(placement: placement, layer: 0, sourceIndex: j).sorted() {
            problems.append("input \(j): routed wrongly")
        }
        return problems
    }
}
