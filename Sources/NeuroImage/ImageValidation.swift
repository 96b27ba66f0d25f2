/// Cross-section consistency of a decoded image: layers chain, cores tile every layer exactly
/// once, every route lands on an existing axon, and the output map covers every output once.
/// After this, consumers may index the image without checks.
enum ImageValidation {
    static func check(_ image: NeuroImage) throws {
        try checkLayers(image)
        try checkCoreTiling(image)
        for (index, table) in image.routes.enumerated() {
            try checkTargets(table, image: image, section: "ROUT", name: "core \(index) table")
        }
        try checkTargets(image.inputMap, image: image, section: "IMAP", name: "input map")
        try checkOutputMap(image)
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
}
