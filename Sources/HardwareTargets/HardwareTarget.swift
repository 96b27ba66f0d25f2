/// A hardware target description (docs/targets.md), decoded from a `Targets/*.json` file.
///
/// Every field is required: a description that leaves a limit out would let the compiler
/// produce images a board cannot run, so `TargetLoader` rejects it naming the field.
public struct HardwareTarget: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable { case emulator, board }

    /// How a core expresses the leak `x -= x / tau` (docs/fixed-point.md section 2).
    public enum DecayForm: String, Codable, Sendable, CaseIterable { case shift, multiplier }

    public struct SynapseMemory: Codable, Sendable, Equatable {
        public var entries: Int
        public var bitsPerEntry: Int

        public init(entries: Int, bitsPerEntry: Int) {
            self.entries = entries
            self.bitsPerEntry = bitsPerEntry
        }

        /// Weights of `weightBits` each that the memory holds (weights never straddle entries).
        public func capacity(weightBits: Int) -> Int { entries * (bitsPerEntry / weightBits) }
    }

    public struct Core: Codable, Sendable, Equatable {
        public var neurons: Int
        public var inputAxons: Int
        public var synapseMemory: SynapseMemory
        public var weightBits: Int
        public var weightSigned: Bool
        public var stateBits: Int
        public var thresholdBits: Int
        public var maxWeightShift: Int
        public var decay: [DecayForm]
        public var refractoryMax: Int
        public var maxTimeSteps: Int
        public var lateralInhibition: Bool
        /// Format version 2 only (required there): whether a core holds a convolution or pooling
        /// kernel once for its whole tile. Read it through `supportsSharedKernels`.
        public var sharedKernels: Bool?

        /// Version-1 descriptions predate shared kernels: their cores expand every synapse.
        public var supportsSharedKernels: Bool { sharedKernels ?? false }
    }

    public struct Router: Codable, Sendable, Equatable {
        public var tableEntries: Int
        public var destinationsPerSource: Int
        /// Source spikes a core's router forwards per time step; 0 means no budget.
        public var spikesPerStep: Int
    }

    public struct Board: Codable, Sendable, Equatable {
        public var usbVendorId: Int
        public var usbProductId: Int
        public var protocolVersion: Int
        public var maxImageBytes: Int
    }

    public var formatVersion: Int
    public var name: String
    public var description: String
    public var kind: Kind
    public var cores: Int
    public var core: Core
    public var router: Router
    /// Present exactly when `kind == .board`.
    public var board: Board?
}
