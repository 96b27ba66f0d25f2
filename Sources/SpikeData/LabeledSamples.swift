import SpikeModel

/// Event recordings already converted to input spikes (N-MNIST, `NMNISTFolder`), one label each.
public struct LabeledRecordings: Sendable {
    public let rasters: [SpikeRaster]
    public let labels: [UInt8]
    /// The file each recording came from, for messages.
    public let files: [String]
    /// Time steps of every raster (the conversion's window).
    public let timeSteps: Int

    public var count: Int { labels.count }

    public init(rasters: [SpikeRaster], labels: [UInt8], files: [String], timeSteps: Int) {
        precondition(rasters.count == labels.count && files.count == labels.count, "one raster, label and file per recording")
        precondition(rasters.allSatisfy { $0.timeSteps == timeSteps && $0.neuronCount == NMNIST.channelCount },
                     "every raster must have \(NMNIST.channelCount) channels and \(timeSteps) steps")
        self.rasters = rasters
        self.labels = labels
        self.files = files
        self.timeSteps = timeSteps
    }

    /// The first n recordings (all of them when n >= count).
    public func prefix(_ n: Int) -> LabeledRecordings {
        let kept = max(0, min(n, count))
        return LabeledRecordings(rasters: Array(rasters[..<kept]), labels: Array(labels[..<kept]), files: Array(files[..<kept]), timeSteps: timeSteps)
    }

    /// The recordings from index `start` on (none when start >= count).
    public func suffix(from start: Int) -> LabeledRecordings {
        let first = max(0, min(start, count))
        return LabeledRecordings(rasters: Array(rasters[first...]), labels: Array(labels[first...]), files: Array(files[first...]), timeSteps: timeSteps)
    }
}

/// The labelled samples of a split and how sample i becomes input spikes: grey images are
/// rate-coded by a seeded `PoissonEncoder` (MNIST, Fashion-MNIST); recordings are their fixed
/// conversion, the same for every seed (N-MNIST).
public enum LabeledSamples: Sendable {
    case images(LabeledImages)
    case recordings(LabeledRecordings)

    public var count: Int {
        switch self {
        case .images(let images): return images.count
        case .recordings(let recordings): return recordings.count
        }
    }

    public var labels: [UInt8] {
        switch self {
        case .images(let images): return images.labels
        case .recordings(let recordings): return recordings.labels
        }
    }

    /// Input neurons of one sample: pixels of an image, channels of a recording.
    public var inputCount: Int {
        switch self {
        case .images(let images): return images.pixelsPerImage
        case .recordings: return NMNIST.channelCount
        }
    }

    /// Time steps fixed by the data (recordings), nil where the encoder chooses them (images).
    public var fixedTimeSteps: Int? {
        if case .recordings(let recordings) = self { return recordings.timeSteps }
        return nil
    }

    /// Input spikes of sample i: an image encoded by `encoder` as sample `sampleIndex` of its
    /// stream, or the recording's raster (the encoder and index do not change it).
    public func input(_ i: Int, encoder: PoissonEncoder, sampleIndex: Int) -> SpikeRaster {
        switch self {
        case .images(let images): return encoder.encode(images.image(i), sampleIndex: sampleIndex)
        case .recordings(let recordings): return recordings.rasters[i]
        }
    }

    public func prefix(_ n: Int) -> LabeledSamples {
        switch self {
        case .images(let images): return .images(images.prefix(n))
        case .recordings(let recordings): return .recordings(recordings.prefix(n))
        }
    }

    public func suffix(from start: Int) -> LabeledSamples {
        switch self {
        case .images(let images): return .images(images.suffix(from: start))
        case .recordings(let recordings): return .recordings(recordings.suffix(from: start))
        }
    }
}
