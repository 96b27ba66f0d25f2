/// Convolution and pooling layers in an image (docs/image-format.md, version 2): the layer's
/// geometry, the output tile a core holds, the tile's input window (the core's axons) and the
/// effective synapses of a shared kernel.

/// A feature map's size: channels of `rows x columns`, channel-major
/// (`(c * rows + y) * columns + x`).
public struct MapSize: Sendable, Equatable, Hashable {
    public var channels: Int
    public var rows: Int
    public var columns: Int

    public init(channels: Int, rows: Int, columns: Int) {
        self.channels = channels
        self.rows = rows
        self.columns = columns
    }

    public var count: Int { channels * rows * columns }

    @inline(__always)
    public func index(channel: Int, row: Int, column: Int) -> Int { (channel * rows + row) * columns + column }
}

/// The geometry of a convolution (stride 1, valid, one kernel per output channel over all input
/// channels) or a pooling layer (stride = kernel size, one channel to the same channel).
public struct SpatialGeometry: Sendable, Equatable {
    public enum Kind: UInt8, Sendable { case convolution = 1, pooling = 2 }

    public var kind: Kind
    public var input: MapSize
    public var output: MapSize
    public var kernelSize: Int
    public var stride: Int

    public init(kind: Kind, input: MapSize, output: MapSize, kernelSize: Int, stride: Int) {
        self.kind = kind
        self.input = input
        self.output = output
        self.kernelSize = kernelSize
        self.stride = stride
    }

    public static func convolution(input: MapSize, kernels: Int, kernelSize: Int) -> SpatialGeometry {
        SpatialGeometry(kind: .convolution, input: input,
                        output: MapSize(channels: kernels, rows: input.rows - kernelSize + 1, columns: input.columns - kernelSize + 1),
                        kernelSize: kernelSize, stride: 1)
    }

    public static func pooling(input: MapSize, size: Int) -> SpatialGeometry {
        SpatialGeometry(kind: .pooling, input: input,
                        output: MapSize(channels: input.channels, rows: input.rows / size, columns: input.columns / size),
                        kernelSize: size, stride: size)
    }

    /// Why the geometry breaks the rules of docs/image-format.md (version 2), or nil.
    public var problem: String? {
        let sizes = [input.channels, input.rows, input.columns, output.channels, output.rows, output.columns]
        guard sizes.allSatisfy({ (1...65_535).contains($0) }) else { return "map sizes must be 1 ... 65535" }
        guard (1...64).contains(kernelSize), (1...64).contains(stride) else { return "kernel size and stride must be 1 ... 64" }
        switch kind {
        case .convolution:
            guard stride == 1, output.rows == input.rows - kernelSize + 1, output.columns == input.columns - kernelSize + 1 else {
                return "a convolution has stride 1 and an output of (input - kernel + 1) rows and columns"
            }
        case .pooling:
            guard stride == kernelSize, output.channels == input.channels, input.rows == output.rows * kernelSize,
                  input.columns == output.columns * kernelSize else {
                return "a pooling layer has stride = kernel size, the input's channels, and an input of output x kernel rows and columns"
            }
        }
        return nil
    }

    /// Kernel weights stored for `channels` output channels (form 1).
    public func kernelWeightCount(channels: Int) -> Int {
        channels * (kind == .convolution ? input.channels : 1) * kernelSize * kernelSize
    }

    /// The input window of `tile`: the core's axons, channel-major.
    public func window(of tile: OutputTile) -> InputWindow {
        let firstChannel = kind == .convolution ? 0 : tile.channel0
        let channels = kind == .convolution ? input.channels : tile.channelCount
        return InputWindow(channel0: firstChannel, size: MapSize(channels: channels, rows: (tile.rowCount - 1) * stride + kernelSize,
                                                                 columns: (tile.columnCount - 1) * stride + kernelSize),
                           row0: tile.row0 * stride, column0: tile.column0 * stride)
    }

    /// The synapses of `tile` written out, `q[a * neurons + k]` (form 0), from its kernels
    /// `kernels` (form 1 layout).
    public func expandedWeights(tile: OutputTile, kernels: [Int8]) -> [Int8] {
        let window = self.window(of: tile)
        let neurons = tile.neuronCount
        let perChannel = kind == .convolution ? input.channels : 1
        let k = kernelSize
        var out = [Int8](repeating: 0, count: window.size.count * neurons)
        for oc in 0..<tile.channelCount {
            for y in 0..<tile.rowCount {
                for x in 0..<tile.columnCount {
                    let neuron = (oc * tile.rowCount + y) * tile.columnCount + x
                    for ic in 0..<window.size.channels where kind == .convolution || ic == oc {
                        let kernelChannel = kind == .convolution ? ic : 0
                        for ky in 0..<k {
                            for kx in 0..<k {
                                let axon = window.size.index(channel: ic, row: y * stride + ky, column: x * stride + kx)
                                out[axon * neurons + neuron] = kernels[((oc * perChannel + kernelChannel) * k + ky) * k + kx]
                            }
                        }
                    }
                }
            }
        }
        return out
    }
}

/// Output neurons (c, y, x) of a spatial layer with c, y and x in the ranges below; local neuron
/// `((c - channel0) * rowCount + (y - row0)) * columnCount + (x - column0)`.
public struct OutputTile: Sendable, Equatable, Hashable {
    public var channel0: Int
    public var channelCount: Int
    public var row0: Int
    public var rowCount: Int
    public var column0: Int
    public var columnCount: Int

    public init(channel0: Int, channelCount: Int, row0: Int, rowCount: Int, column0: Int, columnCount: Int) {
        self.channel0 = channel0
        self.channelCount = channelCount
        self.row0 = row0
        self.rowCount = rowCount
        self.column0 = column0
        self.columnCount = columnCount
    }

    public var neuronCount: Int { channelCount * rowCount * columnCount }

    /// The map index of every local neuron, in local order.
    public func mapIndices(in map: MapSize) -> [Int] {
        var out: [Int] = []
        out.reserveCapacity(neuronCount)
        for c in channel0..<(channel0 + channelCount) {
            for y in row0..<(row0 + rowCount) {
                for x in column0..<(column0 + columnCount) { out.append(map.index(channel: c, row: y, column: x)) }
            }
        }
        return out
    }
}

/// The input neurons a tile sees: channels `channel0 ..< + size.channels`, rows and columns from
/// `row0`, `column0`; axon `size.index(c - channel0, y - row0, x - column0)`.
public struct InputWindow: Sendable, Equatable {
    public var channel0: Int
    public var size: MapSize
    public var row0: Int
    public var column0: Int

    /// The axon that input neuron (c, y, x) arrives on, or nil when it lies outside the window.
    @inline(__always)
    public func axon(channel: Int, row: Int, column: Int) -> Int? {
        let c = channel - channel0, y = row - row0, x = column - column0
        guard c >= 0, c < size.channels, y >= 0, y < size.rows, x >= 0, x < size.columns else { return nil }
        return size.index(channel: c, row: y, column: x)
    }
}

/// How a spatial core stores its synapses (docs/image-format.md, `SYNS` form).
public enum SynapseForm: UInt8, Sendable {
    /// Every synapse written out (axons x neurons), like a fully connected core.
    case expanded = 0
    /// The tile channels' kernels, each once.
    case sharedKernel = 1
}

extension NeuroImage {
    /// The model's index (the feature-map index of a spatial layer) of every image neuron of
    /// layer `l`: the identity for a fully connected layer, the tiles' map indices in core order
    /// for a convolution or pooling layer (docs/image-format.md, version 2).
    public func modelIndexOfImageNeuron(layer l: Int) -> [Int] {
        guard let geometry = layers[l].spatial else { return Array(0..<layers[l].neuronCount) }
        var out = [Int](repeating: 0, count: layers[l].neuronCount)
        for core in cores where core.layer == l {
            guard let tile = core.tile else { continue }
            for (k, m) in tile.mapIndices(in: geometry.output).enumerated() { out[core.firstNeuron + k] = m }
        }
        return out
    }
}
