import SpikeModel

/// One event of an ATIS recording as stored: 0-based pixel address, polarity bit, time in µs.
public struct ATISEvent: Sendable, Equatable {
    public let x: UInt8
    public let y: UInt8
    /// The stored bit; the reference numbers polarities bit + 1, so bit 1 is its "polarity 2".
    public let polarity: UInt8
    public let timestamp: UInt32

    public init(x: UInt8, y: UInt8, polarity: UInt8, timestamp: UInt32) {
        self.x = x
        self.y = y
        self.polarity = polarity
        self.timestamp = timestamp
    }
}

/// N-MNIST recordings (Orchard et al.) and the reference conversion to input spikes
/// (`nmnist/NMNIST_Converter.m` with `stabilize.m`, algorithm section 2).
public enum NMNIST {
    public static let sensorSize = 34
    public static let channelCount = 2 * sensorSize * sensorSize  // 2312
    public static let timeSteps = 540
    public static let binMicroseconds = 600

    /// Reads a 40-bit-per-event binary file: x (8 bit), y (8 bit), polarity (1 bit) and
    /// timestamp (23 bit, µs), big-endian packed.
    public static func readEvents(path: String) throws -> [ATISEvent] {
        try decodeEvents(FileBytes.read(path, limit: 64 << 20), file: path)
    }

    public static func decodeEvents(_ bytes: [UInt8], file: String) throws -> [ATISEvent] {
        guard bytes.count % 5 == 0 else { throw DataError.badEventFileLength(file: file, length: bytes.count) }
        return stride(from: 0, to: bytes.count, by: 5).map { i -> ATISEvent in
            let high = UInt32(bytes[i + 2] & 0x7F) << 16
            let timestamp = high | UInt32(bytes[i + 3]) << 8 | UInt32(bytes[i + 4])
            return ATISEvent(x: bytes[i], y: bytes[i + 1], polarity: bytes[i + 2] >> 7, timestamp: timestamp)
        }
    }

    /// The event's 1-based pixel after removing the sensor's three-saccade motion exactly as
    /// Orchard's `stabilize.m` does (piecewise-linear drift over 105 ms per saccade, MATLAB
    /// round-half-away, same operation order in Double), or nil if it leaves the 34x34 field.
    public static func stabilizedPixel(_ event: ATISEvent) -> (x: Int, y: Int)? {
        let ts = Double(event.timestamp)
        var x = Double(event.x) + 1
        var y = Double(event.y) + 1
        if ts <= 105e3 {
            x = x - 3.5 * ts / 105e3
            y = y - 7 * ts / 105e3
        } else if ts <= 210e3 {
            x = x - 3.5 - 3.5 * (ts - 105e3) / 105e3
            y = y - 7 + 7 * (ts - 105e3) / 105e3
        } else {
            x = x - 7 + 7 * (ts - 210e3) / 105e3  // horizontal saccade: y unchanged
        }
        return insideField(Int(x.rounded()), Int(y.rounded()))
    }

    /// Input channel of a 1-based pixel: (x-1)*34 + y - 1, plus 1156 for the reference's polarity 2.
    public static func channel(x: Int, y: Int, polarity: UInt8) -> Int {
        (x - 1) * sensorSize + (y - 1) + (polarity == 1 ? sensorSize * sensorSize : 0)
    }

    /// The reference conversion: channel per event, time bin ceil(ts / 600 µs) shifted by +1 at
    /// load time, repeated (channel, bin) pairs collapsed, spikes at time >= timeSteps dropped.
    public static func raster(_ events: [ATISEvent], timeSteps: Int = timeSteps, stabilize: Bool = true) -> SpikeRaster {
        // One key time * channels + channel per spike: sorted, they are time-major with ascending
        // channels, and a repeated (channel, time) pair is a repeated key. The finished arrays are
        // handed to the raster whole: appending step by step through its generic API cost about
        // 2 ms per recording in generic-metadata lookups (perf, release build).
        var keys: [Int] = []
        keys.reserveCapacity(events.count)
        for event in events {
            let pixel = stabilize ? stabilizedPixel(event) : insideField(Int(event.x) + 1, Int(event.y) + 1)
            guard let (x, y) = pixel else { continue }
            let time = (Int(event.timestamp) + binMicroseconds - 1) / binMicroseconds + 1
            guard time < timeSteps else { continue }
            keys.append(time * channelCount + channel(x: x, y: y, polarity: event.polarity))
        }
        keys.sort()
        var neurons: [Int32] = []
        neurons.reserveCapacity(keys.count)
        var stepStarts = [Int32](repeating: 0, count: max(timeSteps, 0) + 1)
        var previous = -1
        for key in keys where key != previous {
            previous = key
            neurons.append(Int32(key % channelCount))
            stepStarts[key / channelCount + 1] += 1
        }
        for t in stepStarts.indices.dropFirst() { stepStarts[t] += stepStarts[t - 1] }
        return SpikeRaster(neuronCount: channelCount, timeSteps: timeSteps, stepStarts: stepStarts, neurons: neurons)
    }

    /// Reads a recording and converts it (see `raster`).
    public static func loadRaster(path: String, timeSteps: Int = timeSteps, stabilize: Bool = true) throws -> SpikeRaster {
        raster(try readEvents(path: path), timeSteps: timeSteps, stabilize: stabilize)
    }

    private static func insideField(_ x: Int, _ y: Int) -> (x: Int, y: Int)? {
        (1...sensorSize).contains(x) && (1...sensorSize).contains(y) ? (x, y) : nil
    }
}
