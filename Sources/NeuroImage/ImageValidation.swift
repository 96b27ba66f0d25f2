/// Cross-section consistency of a decoded image: layers chain, cores tile every layer exactly
/// once, every route lands on an existing axon, the output map covers every output once, and no
/// step's drive can reach 2^62 (so 64-bit sums are exact, docs/fixed-point.md section 3).
/// After this, consumers may index the image and sum drives without checks.
enum ImageValidation {
    static func check(_ image: NeuroImage) throws {
        try checkLayers(image)
        try checkCoreTiling(image)
        for (index, table) in image.routes.enumerated() {
            try checkTargets(table, image: image, section: "ROUT", name: "core \(index) table")
        }
        try checkTargets(image.inputMap, image: image, section: "IMAP", name: "input map")
        try checkOutputMap(image)
        try checkDriveBound(image)
    }

    private static func checkLayers(_ image: NeuroImage) throws {
        func fail(_ reason: String) -> ImageError { ImageError(section: "NEUR", reason: reason) }
        guard image.layers[0].inputCount == image.inputCount else {
            throw fail("layer 0 fan-in \(image.layers[0].inputCount) differs from the image's inputCount \(image.inputCount)")
        }
        for l in 1..<image.layers.count where image.layers[l].inputCount != image.layers[l - 1].neuronCount {
            throw fail("layer \(l) fan-in \(image.layers[l].inputCount) differs from layer \(l - 1)'s \(image.layers[l - 1].neuronCount) neurons")
        }
        guard image.layers.last!.neuronCount == image.outputCount else {
            throw fail("the last layer has \(image.layers.last!.neuronCount) neurons but the image declares \(image.outputCount) outputs")
        }
    }

    private static func checkCoreTiling(_ image: NeuroImage) throws {
        func fail(_ reason: String) -> ImageError { ImageError(section: "SYNS", reason: reason) }
        var coresOfLayer = [[Int]](repeating: [], count: image.layers.count)
        for (index, core) in image.cores.enumerated() { coresOfLayer[core.layer].append(index) }
        for (l, layer) in image.layers.enumerated() {
            let ranges = coresOfLayer[l].map { image.cores[$0] }.sorted { $0.firstNeuron < $1.firstNeuron }
            var next = 0
            for core in ranges {
                guard core.firstNeuron == next else { throw fail("layer \(l): neurons \(next) ..< \(core.firstNeuron) are on no core or on two") }
                next += core.neuronCount
            }
            guard next == layer.neuronCount else { throw fail("layer \(l): cores cover \(next) of its \(layer.neuronCount) neurons") }
            if layer.hasLateralInhibition, ranges.count != 1 {
                throw fail("layer \(l) has lateral inhibition and must sit on one core (found \(ranges.count))")
            }
            if let geometry = layer.spatial { try checkTiles(of: coresOfLayer[l], layer: l, map: geometry.output, image: image) }
        }
    }

    /// A spatial layer's tiles cover its output map exactly once, in core order.
    private static func checkTiles(of cores: [Int], layer l: Int, map: MapSize, image: NeuroImage) throws {
        func fail(_ reason: String) -> ImageError { ImageError(section: "SYNS", reason: reason) }
        var covered = [Bool](repeating: false, count: map.count)
        var next = 0
        for c in cores {
            let core = image.cores[c]
            guard let tile = core.tile else { throw fail("core \(c) of convolution or pooling layer \(l) has no output tile") }
            guard core.firstNeuron == next else { throw fail("layer \(l): core \(c)'s neurons do not follow the previous core's (tiles in core order)") }
            next += core.neuronCount
            for index in tile.mapIndices(in: map) {
                guard !covered[index] else { throw fail("layer \(l): core \(c)'s tile overlaps another core's") }
                covered[index] = true
            }
        }
    }

    private static func checkTargets(_ table: RoutingTable, image: NeuroImage, section: String, name: String) throws {
        for (e, entry) in table.entries.enumerated() {
            let span = Int(~entry.mask)
            for target in entry.targets {
                guard target.core < image.cores.count else {
                    throw ImageError(section: section, reason: "\(name) entry \(e) targets core \(target.core) of \(image.cores.count)")
                }
                guard target.axonBase + span < image.cores[target.core].axonCount else {
                    throw ImageError(section: section, reason: "\(name) entry \(e) reaches axon \(target.axonBase + span) of core \(target.core), which has \(image.cores[target.core].axonCount)")
                }
            }
        }
    }

    private static func checkOutputMap(_ image: NeuroImage) throws {
        func fail(_ reason: String) -> ImageError { ImageError(section: "OMAP", reason: reason) }
        var covered = [Bool](repeating: false, count: image.outputCount)
        let lastLayer = image.layers.count - 1
        for (e, entry) in image.outputMap.enumerated() {
            guard entry.core < image.cores.count, image.cores[entry.core].layer == lastLayer else {
                throw fail("entry \(e) names core \(entry.core), which does not hold the output layer")
            }
            let core = image.cores[entry.core]
            guard entry.count >= 1, entry.firstNeuron <= core.neuronCount, entry.count <= core.neuronCount - entry.firstNeuron,
                  entry.firstOutput <= image.outputCount, entry.count <= image.outputCount - entry.firstOutput else {
                throw fail("entry \(e) ranges outside core \(entry.core) or the \(image.outputCount) outputs")
            }
            for o in entry.firstOutput..<(entry.firstOutput + entry.count) {
                guard !covered[o] else { throw fail("output \(o) is mapped twice") }
                covered[o] = true
            }
        }
        if let missing = covered.firstIndex(of: false) { throw fail("output \(missing) is not mapped") }
    }

    /// The worst-case drive of every core, E * 2^(W-1) * 2^F + neurons * 2^(B-1) with E the most
    /// events one step can deliver to it (every source of every router fires, through the entry
    /// that sends it to the core most often, capped by the router's budget), stays below 2^62:
    /// the board firmware refuses the same images (docs/fixed-point.md section 3).
    private static func checkDriveBound(_ image: NeuroImage) throws {
        func multiplied(_ a: UInt64, _ b: UInt64) -> UInt64 { let (r, o) = a.multipliedReportingOverflow(by: b); return o ? .max : r }
        func added(_ a: UInt64, _ b: UInt64) -> UInt64 { let (r, o) = a.addingReportingOverflow(b); return o ? .max : r }
        let routers = image.routes.enumerated().map { ($1, image.cores[$0].neuronCount) } + [(image.inputMap, image.inputCount)]
        // most[r][c]: the most targets on core c of one entry of router r.
        var events = [UInt64](repeating: 0, count: image.cores.count)
        for (table, sourceCount) in routers {
            var most = [UInt64](repeating: 0, count: image.cores.count)
            for entry in table.entries {
                var here: [Int: UInt64] = [:]
                for target in entry.targets { here[target.core, default: 0] += 1 }
                for (core, count) in here where count > most[core] { most[core] = count }
            }
            let sources = UInt64(table.spikeBudget > 0 ? min(table.spikeBudget, sourceCount) : sourceCount)
            for c in events.indices where most[c] > 0 { events[c] = added(events[c], multiplied(sources, most[c])) }
        }
        for (c, core) in image.cores.enumerated() {
            let layer = image.layers[core.layer]
            let synaptic = multiplied(multiplied(events[c], 1 << UInt64(layer.weightBits - 1)), 1 << UInt64(layer.rule.weightShift))
            let lateral = multiplied(UInt64(core.neuronCount), 1 << UInt64(layer.rule.stateBits - 1))
            guard added(synaptic, lateral) < 1 << 62 else {
                throw ImageError(section: "ROUT", reason: "core \(c): the drive of one step could reach 2^62 (\(events[c]) events of \(layer.weightBits)-bit weights at shift \(layer.rule.weightShift)); no 64-bit engine can sum it exactly")
            }
        }
    }
}
