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

    /// Names the first constant that makes the LIF update meaningless, or nil when all are valid.
    public func firstProblem() -> String? {
        if !(tauM.isFinite && tauM >= 1) { return "tauM must be a finite number >= 1 (got \(tauM))" }
        if !(tauS.isFinite && tauS >= 1) { return "tauS must be a finite number >= 1 (got \(tauS))" }
        if refractorySteps < 0 { return "refractorySteps must be >= 0 (got \(refractorySteps))" }
        if timeSteps < 2 { return "timeSteps must be >= 2 (got \(timeSteps))" }
        return nil
    }
}
