/// A trained (or initialised) network together with where it came from.
public struct Model: Sendable, Equatable {
    public var network: Network
    public var provenance: Provenance

    public init(network: Network, provenance: Provenance) {
        self.network = network
        self.provenance = provenance
    }
}

/// How a model was produced; stored in the model file so that a result can be traced back.
public struct Provenance: Codable, Sendable, Equatable {
    public var dataset: String
    public var seed: UInt64
    /// How samples become spike trains: `poisson` (images; docs/data.md; the test stream is
    /// seeded with seed ^ 0x7E57...) or `nmnist-stabilized-600us` (N-MNIST recordings). nil in
    /// files written before it was recorded, which all used `poisson`.
    public var encoder: String?
    /// Epochs completed.
    public var epochs: Int
    /// Training samples used per epoch (nil: the whole training set).
    public var trainLimit: Int?
    /// Test accuracy after each completed epoch, in [0, 1].
    public var testAccuracyPerEpoch: [Double]
    /// Training accuracy (during the training pass) of each completed epoch, in [0, 1].
    public var trainAccuracyPerEpoch: [Double]
    /// Index of the epoch whose weights these are (the best so far on the selection set), if any.
    public var checkpointEpoch: Int?
    /// What chose that epoch: "validation" (images held out of the training set) or "test" (the
    /// authors' protocol); nil in files written before it was recorded (test).
    public var bestEpochSelection: String?
    /// Every training hyperparameter by name, so a run can be repeated exactly.
    public var hyperparameters: [String: Double]
    /// Producer, e.g. "hm2bp 0.1.0".
    public var createdBy: String

    public static let poissonEncoder = "poisson"
    /// N-MNIST recordings converted as the reference does (saccade stabilization, 2312
    /// channels, 600 µs bins; docs/data.md): no randomness, the seed does not change the input.
    public static let nmnistEncoder = "nmnist-stabilized-600us"
    /// The encoders this hm2bp can produce; a model or image recording another is refused.
    public static let knownEncoders = [poissonEncoder, nmnistEncoder]

    public init(
        dataset: String, seed: UInt64, encoder: String? = Provenance.poissonEncoder, epochs: Int = 0, trainLimit: Int? = nil,
        testAccuracyPerEpoch: [Double] = [], trainAccuracyPerEpoch: [Double] = [],
        checkpointEpoch: Int? = nil, bestEpochSelection: String? = nil, hyperparameters: [String: Double] = [:], createdBy: String = "hm2bp"
    ) {
        self.dataset = dataset
        self.seed = seed
        self.encoder = encoder
        self.epochs = epochs
        self.trainLimit = trainLimit
        self.testAccuracyPerEpoch = testAccuracyPerEpoch
        self.trainAccuracyPerEpoch = trainAccuracyPerEpoch
        self.checkpointEpoch = checkpointEpoch
        self.bestEpochSelection = bestEpochSelection
        self.hyperparameters = hyperparameters
        self.createdBy = createdBy
    }
}
