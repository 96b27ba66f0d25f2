/// Readers of the repeated records inside sections; each checks the ranges of its own fields.
enum ImageSectionReaders {
    static func layer(_ r: inout ByteReader, index: Int, version: UInt32) throws -> ImageLayer {
        let name = "layer \(index)"
        let spatial = version >= 2 ? try geometry(&r, name: name) : nil
        let inputCount = try r.int("\(name) inputCount"), neuronCount = try r.int("\(name) neuronCount")
        let stateBits = try r.u8("\(name) stateBits"), thresholdBits = try r.u8("\(name) thresholdBits")
        let weightBits = try r.u8("\(name) weightBits"), weightShift = try r.u8("\(name) weightShift")
        let currentDecay = try decay(&r, "\(name) currentDecay"), membraneDecay = try decay(&r, "\(name) membraneDecay")
        let refractory = try r.u16("\(name) refractorySteps"), lateralFlag = try r.u8("\(name) lateral flag")
        let tauS = try r.f32("\(name) tauS"), vth = try r.f32("\(name) floatThreshold")
        guard (1...(1 << 24)).contains(inputCount) else { throw r.fail("\(name) inputCount \(inputCount) is outside 1 ... 2^24") }
        guard (2...32).contains(stateBits) else { throw r.fail("\(name) stateBits \(stateBits) is outside 2 ... 32") }
        guard (1...(stateBits - 1)).contains(thresholdBits) else { throw r.fail("\(name) thresholdBits \(thresholdBits) is outside 1 ... stateBits - 1") }
        guard (2...8).contains(weightBits) else { throw r.fail("\(name) weightBits \(weightBits) is outside 2 ... 8") }
        guard weightShift <= 24 else { throw r.fail("\(name) weightShift \(weightShift) is above 24") }
        guard refractory <= 255 else { throw r.fail("\(name) refractorySteps \(refractory) is above 255") }
        guard lateralFlag <= 1 else { throw r.fail("\(name) lateral flag \(lateralFlag) is neither 0 nor 1") }
        guard tauS.isFinite, tauS >= 1, vth.isFinite else { throw r.fail("\(name) float constants are not finite") }
        if let spatial {
            guard spatial.input.count == inputCount, spatial.output.count == neuronCount else {
                throw r.fail("\(name) geometry \(spatial.input.count) inputs -> \(spatial.output.count) neurons differs from its inputCount \(inputCount) and neuronCount \(neuronCount)")
            }
            guard lateralFlag == 0 else { throw r.fail("\(name) is a convolution or pooling layer and cannot have lateral inhibition") }
        }
        guard neuronCount >= 1, neuronCount <= r.remaining / 12 else {
            throw r.fail("\(name) neuronCount \(neuronCount): needs 1 ... \(r.remaining / 12) neuron records for the bytes left")
        }
        let count = neuronCount
        let range = FixedPoint.stateRange(bits: stateBits)
        let thresholdMax = min(Int64(1) << thresholdBits - 1, range.upperBound)
        var thresholds = [Int64](), laterals = [Int64](), steps = [Float]()
        thresholds.reserveCapacity(count); laterals.reserveCapacity(count); steps.reserveCapacity(count)
        for i in 0..<count {
            let theta = Int64(try r.u32("\(name) neuron \(i) threshold")), lateral = try r.i32("\(name) neuron \(i) lateral")
            let step = try r.f32("\(name) neuron \(i) weightStep")
            guard theta <= thresholdMax else { throw r.fail("\(name) neuron \(i) threshold \(theta) exceeds \(thresholdMax)") }
            guard range.contains(lateral), lateralFlag == 1 || lateral == 0 else {
                throw r.fail("\(name) neuron \(i) lateral \(lateral) is outside the state range or set on a layer without lateral inhibition")
            }
            guard step.isFinite, step > 0 else { throw r.fail("\(name) neuron \(i) weightStep must be a positive number") }
            thresholds.append(theta); laterals.append(lateral); steps.append(step)
        }
        let rule = NeuronRule(stateBits: stateBits, weightShift: weightShift, currentDecay: currentDecay, membraneDecay: membraneDecay,
                              refractorySteps: refractory)
        return ImageLayer(inputCount: inputCount, neuronCount: neuronCount, rule: rule, thresholdBits: thresholdBits, weightBits: weightBits,
                          hasLateralInhibition: lateralFlag == 1, tauS: tauS, floatThreshold: vth, thresholds: thresholds,
                          laterals: laterals, weightSteps: steps, spatial: spatial)
    }

    /// Version 2's leading layer kind and, for a spatial layer, its geometry.
    private static func geometry(_ r: inout ByteReader, name: String) throws -> SpatialGeometry? {
        let kindCode = try r.u8("\(name) kind")
        guard kindCode != 0 else { return nil }
        guard let kind = SpatialGeometry.Kind(rawValue: UInt8(kindCode)) else {
            throw r.fail("\(name) kind \(kindCode) is not 0 (fully connected), 1 (convolution) or 2 (pooling)")
        }
        var sizes: [MapSize] = []
        for side in ["in", "out"] {
            sizes.append(MapSize(channels: try r.u16("\(name) \(side)Channels"), rows: try r.u16("\(name) \(side)Height"),
                                 columns: try r.u16("\(name) \(side)Width")))
        }
        let geometry = SpatialGeometry(kind: kind, input: sizes[0], output: sizes[1], kernelSize: try r.u8("\(name) kernelSize"),
                                       stride: try r.u8("\(name) stride"))
        if let problem = geometry.problem { throw r.fail("\(name) geometry: \(problem)") }
        return geometry
    }

    static func core(_ r: inout ByteReader, index: Int, layers: [ImageLayer]) throws -> ImageCore {
        let name = "core \(index)"
        let layerIndex = try r.int("\(name) layer"), first = try r.int("\(name) firstNeuron")
        let neuronCount = try r.int("\(name) neuronCount"), axonCount = try r.int("\(name) axonCount")
        let bits = try r.u8("\(name) weightBits")
        guard layerIndex < layers.count else { throw r.fail("\(name) layer \(layerIndex) does not exist (\(layers.count) layers)") }
        let layer = layers[layerIndex]
        guard neuronCount >= 1, first <= layer.neuronCount, neuronCount <= layer.neuronCount - first else {
            throw r.fail("\(name) neurons \(first) ..< \(first + neuronCount) are not inside layer \(layerIndex)'s \(layer.neuronCount)")
        }
        guard bits == layer.weightBits else { throw r.fail("\(name) weightBits \(bits) differs from layer \(layerIndex)'s \(layer.weightBits)") }
        var tile: OutputTile?
        var form = SynapseForm.expanded
        var weightCount = axonCount * neuronCount  // checked below 2^48 before any allocation: no overflow
        if let geometry = layer.spatial {
            let fields = try ["channel0", "channelCount", "row0", "rowCount", "column0", "columnCount"].map { try r.u16("\(name) tile \($0)") }
            let found = OutputTile(channel0: fields[0], channelCount: fields[1], row0: fields[2], rowCount: fields[3], column0: fields[4], columnCount: fields[5])
            let map = geometry.output
            guard found.channelCount >= 1, found.rowCount >= 1, found.columnCount >= 1, found.channel0 + found.channelCount <= map.channels,
                  found.row0 + found.rowCount <= map.rows, found.column0 + found.columnCount <= map.columns else {
                throw r.fail("\(name) tile \(found) is empty or leaves layer \(layerIndex)'s \(map.channels)x\(map.rows)x\(map.columns) output map")
            }
            guard found.neuronCount == neuronCount else { throw r.fail("\(name) tile holds \(found.neuronCount) neurons, the core \(neuronCount)") }
            let window = geometry.window(of: found).size.count
            guard axonCount == window else { throw r.fail("\(name) axonCount \(axonCount) differs from its tile's input window of \(window)") }
            let formCode = try r.u8("\(name) form")
            guard let decoded = SynapseForm(rawValue: UInt8(formCode)) else { throw r.fail("\(name) form \(formCode) is neither 0 (expanded) nor 1 (shared kernel)") }
            tile = found
            form = decoded
            if form == .sharedKernel { weightCount = geometry.kernelWeightCount(channels: found.channelCount) }
        } else {
            guard axonCount == layer.inputCount else { throw r.fail("\(name) axonCount \(axonCount) differs from layer \(layerIndex)'s fan-in \(layer.inputCount)") }
        }
        guard weightCount <= r.remaining * 8 / bits else { throw r.fail("\(name) synapse memory: \(weightCount) weights do not fit the bytes left") }
        let packed = try r.take(WeightPacking.packedByteCount(weights: weightCount, bits: bits), "\(name) synapse memory")
        return ImageCore(layer: layerIndex, firstNeuron: first, neuronCount: neuronCount, axonCount: axonCount,
                         weights: WeightPacking.unpack(packed, count: weightCount, bits: bits), tile: tile, form: form)
    }

    static func table(_ r: inout ByteReader, name: String) throws -> RoutingTable {
        let budget = try r.int("\(name) spikeBudget")
        let entryCount = try r.count("\(name) entry count", itemBytes: 10)
        var entries: [RouteEntry] = []
        entries.reserveCapacity(entryCount)
        for e in 0..<entryCount {
            let key = try r.u32("\(name) entry \(e) key"), mask = try r.u32("\(name) entry \(e) mask")
            let targetCount = try r.u16("\(name) entry \(e) target count")
            guard targetCount <= r.remaining / 8 else { throw r.fail("\(name) entry \(e): \(targetCount) targets do not fit") }
            guard key & ~mask == 0 else { throw r.fail("\(name) entry \(e): key has bits outside its mask") }
            var targets: [RouteTarget] = []
            for _ in 0..<targetCount {
                targets.append(RouteTarget(core: try r.int("\(name) entry \(e) target core"), axonBase: try r.int("\(name) entry \(e) axonBase")))
            }
            entries.append(RouteEntry(key: key, mask: mask, targets: targets))
        }
        return RoutingTable(spikeBudget: budget, entries: entries)
    }

    private static func decay(_ r: inout ByteReader, _ field: String) throws -> Decay {
        let kind = try r.u8("\(field) kind"), parameter = try r.int("\(field) parameter")
        switch kind {
        case 0 where parameter <= 30: return .shift(parameter)
        case 1 where parameter <= 65_536: return .multiplier(parameter)
        default: throw r.fail("\(field): kind \(kind) with parameter \(parameter) is not a shift 0 ... 30 or a multiplier 0 ... 65536")
        }
    }
}
