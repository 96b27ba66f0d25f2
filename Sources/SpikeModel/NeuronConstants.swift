/// The LIF constants shared by every layer of a network (HM2-BP uses one set per network).
public struct NeuronConstants: Codable, Sendable, Equatable {
    /// Membrane time constant, in steps.
    public var tauM: Float
    /// Synaptic time constant, in steps.
    public var tauS: Float
    /// Steps a neuron is clamped to 0 after a spike.
    public var refractorySteps: Int
    /// Length of the simulation window T.
    public var timeSteps: Int

    /// The MNIST MLP column of the algorithm's section 1.3.
    public init(tauM: Float = 64, tauS: Float = 8, refractorySteps: Int = 2, timeSteps: Int = 400) {
        self.tauM = tauM
        self.tauS = tauS
        self.refractorySteps = refractorySteps
        self.timeSteps = timeSteps
    }

    /// The largest T, time constant and refractory period a model may have (docs/model-format.md).
    /// Every stage allocates per time step (spike rasters, traces, the emulator's step tables), so
    /// T bounds memory: at 2^20 a sample's input raster and step index stay below a few hundred MB.
    public static let maximumTimeSteps = 1 << 20
    /// 2^30: the longest decay the fixed point represents (a shift of 30, docs/fixed-point.md);
    /// NIR's IF neurons (no leak) import at this tau.
    public static let maximumTau: Float = 1_073_741_824
    public static let maximumRefractorySteps = 1 << 20
    /// The most neuron-steps (T times all neurons, inputs included) a sample may take: traces
    /// and per-step state scale with it (8-16 bytes each), so it bounds a run's memory at a few
    /// GB whatever the file says. 784-800-10 at T = 400 uses 0.64 M of these 134 M.
    public static let maximumNeuronSteps = 1 << 27

    /// Why T times `neurons` exceeds `maximumNeuronSteps`, or nil.
    public static func neuronStepsProblem(timeSteps: Int, neurons: Int) -> String? {
        let (product, overflow) = timeSteps.multipliedReportingOverflow(by: neurons)
        guard overflow || product > maximumNeuronSteps else { return nil }
        return "timeSteps \(timeSteps) x \(neurons) neurons exceeds 2^27 = \(maximumNeuronSteps) neuron-steps per sample"
    }

    /// Names the first constant that makes the LIF update meaningless or unbounded, or nil when
    /// all are valid (the ranges of docs/model-format.md).
    public func firstProblem() -> String? {
        if !(tauM.isFinite && tauM >= 1 && tauM <= Self.maximumTau) { return "tauM must be a number in 1 ... 2^30 (got \(tauM))" }
        if !(tauS.isFinite && tauS >= 1 && tauS <= Self.maximumTau) { return "tauS must be a number in 1 ... 2^30 (got \(tauS))" }
        if !(0...Self.maximumRefractorySteps).contains(refractorySteps) {
            return "refractorySteps must be in 0 ... 2^20 = \(Self.maximumRefractorySteps) (got \(refractorySteps))"
        }
        if !(2...Self.maximumTimeSteps).contains(timeSteps) {
            return "timeSteps must be in 2 ... 2^20 = \(Self.maximumTimeSteps) (got \(timeSteps))"
        }
        return nil
    }
}
