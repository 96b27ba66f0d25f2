import HardwareTargets
import NeuroImage

/// The placement and its exact tables, as Compress receives them.
public struct RoutedPlacement: Sendable {
    public var placement: Placement
    public var tables: RoutingTables
}

/// Shrinks routing tables that exceed the router's entry limit, and only those, by merging
/// pairs of entries whose keys differ in one bit and whose targets continue each other
/// (axonBase of the odd one = axonBase of the even one + 2^bit): the merged entry clears the
/// bit from its mask, and `axonBase + (n & ~mask)` then reproduces both. Merging stops as soon
/// as a table fits. The checker proves equivalence by routing every source through both tables.
public struct CompressPass: CompilerPass {
    public static let name = "compress"
    public var target: HardwareTarget

    public init(target: HardwareTarget) { self.target = target }

    public func run(_ input: RoutedPlacement, diagnostics: inout Diagnostics) -> RoutingTables {
        let limit = target.router.tableEntries
        var coreTables = input.tables.coreTables
        for (c, table) in coreTables.enumerated() where table.entries.count > limit {
            coreTables[c].entries = Self.compress(table.entries, limit: limit)
            if coreTables[c].entries.count > limit {
                diagnostics.report(Diagnostic(layer: input.placement.cores[c].layer, core: c, resource: "routing table entries after compression",
                                              need: coreTables[c].entries.count, limit: limit, fixes: []))
            }
        }
        var inputMap = input.tables.inputMap
        if inputMap.entries.count > limit {
            inputMap.entries = Self.compress(inputMap.entries, limit: limit)
            if inputMap.entries.count > limit {
                diagnostics.report(Diagnostic(layer: 0, resource: "input map entries after compression", need: inputMap.entries.count,
                                              limit: limit, fixes: []))
            }
        }
        return RoutingTables(coreTables: coreTables, inputMap: inputMap)
    }

    /// Every source of every table reaches exactly the same axons through the compressed table
    /// as through the exact one (first-match semantics, docs/image-format.md).
    public func check(_ input: RoutedPlacement, _ output: RoutingTables) -> [String] {
        var problems: [String] = []
        for (c, slice) in input.placement.cores.enumerated() {
            for n in 0..<slice.neuronCount where output.coreTables[c].destinations(of: n) != input.tables.coreTables[c].destinations(of: n) {
                problems.append("core \(c) source \(n): compressed route differs")
            }
        }
        for j in 0..<input.placement.layers[0].inputCount where output.inputMap.destinations(of: j) != input.tables.inputMap.destinations(of: j) {
            problems.append("input \(j): compressed route differs")
        }
        return problems
    }

    /// Merges disjoint entries bit by bit (bit 0 first, so aligned blocks collapse fully) until
    /// at most `limit` remain or nothing merges. The result stays disjoint, sorted by key.
    static func compress(_ entries: [RouteEntry], limit: Int) -> [RouteEntry] {
        var current = entries
        for bit in 0..<32 where current.count > limit {
            let flag = UInt32(1) << UInt32(bit)
            var indexOf: [UInt64: Int] = [:]
            for (index, entry) in current.enumerated() where entry.mask & flag != 0 {
                indexOf[UInt64(entry.key) | UInt64(entry.mask) << 32] = index
            }
            var consumed = [Bool](repeating: false, count: current.count)
            var merged: [RouteEntry] = []
            var count = current.count
            for (index, entry) in current.enumerated() where count > limit && !consumed[index] && entry.mask & flag != 0 && entry.key & flag == 0 {
                guard let partner = indexOf[UInt64(entry.key | flag) | UInt64(entry.mask) << 32],
                      continues(entry.targets, current[partner].targets, step: Int(flag)) else { continue }
                consumed[index] = true
                consumed[partner] = true
                merged.append(RouteEntry(key: entry.key, mask: entry.mask & ~flag, targets: entry.targets))
                count -= 1
            }
            current = current.indices.filter { !consumed[$0] }.map { current[$0] } + merged
        }
        return current.sorted { $0.key < $1.key }
    }

    private static func continues(_ even: [RouteTarget], _ odd: [RouteTarget], step: Int) -> Bool {
        even.count == odd.count && zip(even, odd).allSatisfy { $0.core == $1.core && $1.axonBase == $0.axonBase + step }
    }
}
