import Crypto
import SystemZlib

/// Writes the byte layout of docs/image-format.md.
public enum ImageEncoder {
    public static let magic = Array("HM2BPIMG".utf8)
    /// Section tags, in the order they must appear.
    public static let sectionTags = ["HEAD", "TRGT", "NEUR", "SYNS", "ROUT", "IMAP", "OMAP", "META"]

    public static func encode(_ image: NeuroImage) -> [UInt8] {
        assemble(sections: sectionPayloads(image), version: image.encodedVersion)
    }

    /// The payload of every section, in `sectionTags` order.
    static func sectionPayloads(_ image: NeuroImage) -> [[UInt8]] {
        var head = ByteWriter()
        head.u32(image.inputCount); head.u32(image.outputCount); head.u32(image.timeSteps)
        head.u32(image.layers.count); head.u32(image.cores.count)

        var target = ByteWriter()
        target.string(image.target.name); target.u8(Int(image.target.kind.rawValue)); target.raw(image.target.descriptionSHA256)
        target.u16(image.target.usbVendorId); target.u16(image.target.usbProductId); target.u16(image.target.protocolVersion)

        var neurons = ByteWriter()
        let version = image.encodedVersion
        for layer in image.layers {
            if version >= 2 {
                neurons.u8(Int(layer.spatial?.kind.rawValue ?? 0))
                if let geometry = layer.spatial {
                    for size in [geometry.input, geometry.output] {
                        neurons.u16(size.channels); neurons.u16(size.rows); neurons.u16(size.columns)
                    }
                    neurons.u8(geometry.kernelSize); neurons.u8(geometry.stride)
                }
            }
            neurons.u32(layer.inputCount); neurons.u32(layer.neuronCount)
            neurons.u8(layer.rule.stateBits); neurons.u8(layer.thresholdBits); neurons.u8(layer.weightBits); neurons.u8(layer.rule.weightShift)
            write(layer.rule.currentDecay, to: &neurons); write(layer.rule.membraneDecay, to: &neurons)
            neurons.u16(layer.rule.refractorySteps); neurons.u8(layer.hasLateralInhibition ? 1 : 0)
            neurons.f32(layer.tauS); neurons.f32(layer.floatThreshold)
            for i in 0..<layer.neuronCount {
                neurons.u32(UInt32(truncatingIfNeeded: layer.thresholds[i])); neurons.i32(layer.laterals[i]); neurons.f32(layer.weightSteps[i])
            }
        }

        var synapses = ByteWriter()
        for core in image.cores {
            let bits = image.layers[core.layer].weightBits
            synapses.u32(core.layer); synapses.u32(core.firstNeuron); synapses.u32(core.neuronCount); synapses.u32(core.axonCount)
            synapses.u8(bits)
            if let tile = core.tile {
                for value in [tile.channel0, tile.channelCount, tile.row0, tile.rowCount, tile.column0, tile.columnCount] { synapses.u16(value) }
                synapses.u8(Int(core.form.rawValue))
            }
            synapses.raw(WeightPacking.pack(core.weights, bits: bits))
        }

        var routes = ByteWriter()
        for table in image.routes { write(table, to: &routes) }
        var inputMap = ByteWriter()
        write(image.inputMap, to: &inputMap)

        var outputMap = ByteWriter()
        outputMap.u32(image.outputMap.count)
        for entry in image.outputMap {
            outputMap.u32(entry.core); outputMap.u32(entry.firstNeuron); outputMap.u32(entry.count); outputMap.u32(entry.firstOutput)
        }

        var meta = ByteWriter()
        meta.raw(image.metadata.modelSHA256); meta.string(image.metadata.architecture)
        meta.string(image.metadata.createdBy); meta.string(image.metadata.reportJSON)

        return [head, target, neurons, synapses, routes, inputMap, outputMap, meta].map(\.bytes)
    }

    /// Magic, version, the sections with their CRC32, and the SHA-256 of everything before it.
    static func assemble(sections: [[UInt8]], version: UInt32 = 1) -> [UInt8] {
        var out = ByteWriter()
        out.raw(magic); out.u32(version); out.u32(sections.count)
        for (index, payload) in sections.enumerated() {
            out.raw(Array(sectionTags[index].utf8)); out.u32(payload.count); out.raw(payload)
            out.u32(crc32(of: payload[...]))
        }
        out.raw(Array(SHA256.hash(data: out.bytes)))
        return out.bytes
    }

    static func crc32(of bytes: ArraySlice<UInt8>) -> UInt32 {
        bytes.withUnsafeBufferPointer { UInt32(SystemZlib.crc32(0, $0.baseAddress, uInt($0.count))) }
    }

    private static func write(_ decay: Decay, to writer: inout ByteWriter) {
        switch decay {
        case .shift(let k): writer.u8(0); writer.u32(k)
        case .multiplier(let m): writer.u8(1); writer.u32(m)
        }
    }

    private static func write(_ table: RoutingTable, to writer: inout ByteWriter) {
        writer.u32(table.spikeBudget); writer.u32(table.entries.count)
        for entry in table.entries {
            writer.u32(entry.key); writer.u32(entry.mask); writer.u16(entry.targets.count)
            for target in entry.targets { writer.u32(target.core); writer.u32(target.axonBase) }
        }
    }
}
