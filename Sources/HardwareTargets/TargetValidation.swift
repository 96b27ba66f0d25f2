/// The ranges every field of a target description must respect (docs/targets.md), checked in
/// document order so the first impossible field is the one reported. Each check runs only after
/// the ones before it passed: later bounds are built from earlier fields (`weightBits ... 64`,
/// `stateBits - 1`), which must not be formed from unchecked values (a range with reversed
/// bounds or an overflowing subtraction traps).
enum TargetValidation {
    typealias Check = (field: String, ok: () -> Bool, problem: () -> String)

    static func firstProblem(in target: HardwareTarget) -> (field: String, problem: String)? {
        let core = target.core
        let checks: [Check] = [
            ("formatVersion", { (1...2).contains(target.formatVersion) }, { "must be 1 or 2 (got \(target.formatVersion))" }),
            ("name", { isValidName(target.name) }, { "must be 1 to 64 characters of a-z, 0-9 and '-' (got '\(target.name)')" }),
            ("cores", { (1...65_535).contains(target.cores) }, { "must be 1 ... 65535 (got \(target.cores))" }),
            ("core.neurons", { (1...(1 << 20)).contains(core.neurons) }, { "must be 1 ... 1048576 (got \(core.neurons))" }),
            ("core.inputAxons", { (1...(1 << 24)).contains(core.inputAxons) }, { "must be 1 ... 16777216 (got \(core.inputAxons))" }),
            ("core.weightBits", { (2...8).contains(core.weightBits) }, { "must be 2 ... 8 (got \(core.weightBits))" }),
            ("core.synapseMemory.entries", { (1...(1 << 40)).contains(core.synapseMemory.entries) },
             { "must be 1 ... 2^40 (got \(core.synapseMemory.entries))" }),
            ("core.synapseMemory.bitsPerEntry", { (core.weightBits...64).contains(core.synapseMemory.bitsPerEntry) },
             { "must be weightBits (\(core.weightBits)) ... 64, so that an entry holds at least one weight (got \(core.synapseMemory.bitsPerEntry))" }),
            ("core.stateBits", { (8...32).contains(core.stateBits) }, { "must be 8 ... 32 (got \(core.stateBits))" }),
            ("core.thresholdBits", { (1...(core.stateBits - 1)).contains(core.thresholdBits) },
             { "must be 1 ... stateBits - 1 = \(core.stateBits - 1): a threshold is unsigned and must fit the signed state (got \(core.thresholdBits))" }),
            ("core.maxWeightShift", { (0...24).contains(core.maxWeightShift) }, { "must be 0 ... 24 (got \(core.maxWeightShift))" }),
            ("core.decay", { !core.decay.isEmpty && Set(core.decay).count == core.decay.count },
             { "must list 'shift' and/or 'multiplier', each once (got \(core.decay.map(\.rawValue)))" }),
            ("core.refractoryMax", { (0...255).contains(core.refractoryMax) }, { "must be 0 ... 255 (got \(core.refractoryMax))" }),
            ("core.maxTimeSteps", { (2...(1 << 30)).contains(core.maxTimeSteps) }, { "must be 2 ... 2^30 (got \(core.maxTimeSteps))" }),
            ("core.sharedKernels", { (target.formatVersion >= 2) == (core.sharedKernels != nil) },
             { target.formatVersion >= 2 ? "missing (required in format version 2; see docs/targets.md)"
                                         : "is a format version 2 field: set formatVersion to 2" }),
            ("router.tableEntries", { (1...(1 << 24)).contains(target.router.tableEntries) },
             { "must be 1 ... 16777216 (got \(target.router.tableEntries))" }),
            ("router.destinationsPerSource", { (1...65_535).contains(target.router.destinationsPerSource) },
             { "must be 1 ... 65535 (got \(target.router.destinationsPerSource))" }),
            ("router.spikesPerStep", { (0...(1 << 30)).contains(target.router.spikesPerStep) },
             { "must be 0 (no budget) ... 2^30 (got \(target.router.spikesPerStep))" }),
        ]
        if let failed = checks.first(where: { !$0.ok() }) { return (failed.field, failed.problem()) }
        switch (target.kind, target.board) {
        case (.board, nil):
            return ("board", "missing: a board target needs usbVendorId, usbProductId, protocolVersion and maxImageBytes")
        case (.emulator, .some):
            return ("board", "an emulator target has no board section")
        case (.board, .some(let board)):
            let boardChecks: [Check] = [
                ("board.usbVendorId", { (1...0xFFFF).contains(board.usbVendorId) }, { "must be 1 ... 65535 (got \(board.usbVendorId))" }),
                ("board.usbProductId", { (1...0xFFFF).contains(board.usbProductId) }, { "must be 1 ... 65535 (got \(board.usbProductId))" }),
                ("board.protocolVersion", { (1...0xFFFF).contains(board.protocolVersion) },
                 { "must be 1 ... 65535 (got \(board.protocolVersion))" }),
                ("board.maxImageBytes", { (1024...(1 << 32)).contains(board.maxImageBytes) },
                 { "must be 1024 ... 2^32 (got \(board.maxImageBytes))" }),
            ]
            if let failed = boardChecks.first(where: { !$0.ok() }) { return (failed.field, failed.problem()) }
        case (.emulator, nil):
            break
        }
        return nil
    }

    private static func isValidName(_ name: String) -> Bool {
        !name.isEmpty && name.count <= 64 && name.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" }
    }
}
