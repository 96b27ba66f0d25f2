/// The shape of a population laid out as feature maps: `channels` maps of `height` x `width`
/// neurons. Neuron (c, row, column) has the flat index `(c * height + row) * width + column`
/// (channel-major, as the reference's fc input index channel * positions + position).
public struct FeatureMapShape: Codable, Sendable, Equatable, Hashable {
    public var channels: Int
    public var height: Int
    public var width: Int

    public init(channels: Int, height: Int, width: Int) {
        self.channels = channels
        self.height = height
        self.width = width
    }

    /// A flat population of `count` neurons (one channel, one row).
    public init(flat count: Int) { self.init(channels: 1, height: 1, width: count) }

    public var positions: Int { height * width }
    public var count: Int { channels * height * width }

    @inline(__always)
    public func index(channel: Int, row: Int, column: Int) -> Int { (channel * height + row) * width + column }

    /// "28x28", "34x34x2", or "784" for a flat population.
    public var description: String {
        if channels == 1 && height == 1 { return "\(width)" }
        return "\(height)x\(width)" + (channels > 1 ? "x\(channels)" : "")
    }
}
