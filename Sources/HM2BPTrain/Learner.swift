import SpikeModel

/// One HM2-BP learner: the network being trained, its per-layer Adam state and scratch, and the
/// per-sample step (forward, output error, backward layer by layer, Adam), batch size 1.
public final class Learner {
    public private(set) var network: Network
    public let config: TrainingConfig
    let kernel: SPSPKernel
    private let layerTrainers: [LayerTrainer]

    public init(network: Network, config: TrainingConfig) {
        self.network = network
        self.config = config
        let kernel = SPSPKernel(parameters: SPSPParameters(constants: network.constants, silentPostValue: config.silentPostSPSP),
                                timeSteps: network.constants.timeSteps)
        self.kernel = kernel
        layerTrainers = network.layers.map {
            LayerTrainer(inputCount: $0.inputCount, outputCount: $0.outputCount, constants: network.constants, kernel: kernel)
        }
    }

    /// Adam's step count (samples trained so far).
    public var adamStep: Int { layerTrainers.first?.adamStep ?? 0 }

    public struct SampleResult: Sendable {
        public var prediction: Int
        public var outputCounts: [Int32]
        public var cost: Float
        /// Spikes per layer (hidden layers, then output).
        public var spikesPerLayer: [Int]
    }

    /// Trains on one sample and returns what the forward pass saw (before the update).
    @discardableResult
    public func train(input: SpikeRaster, label: Int, boostWeight: Float = 1, learningRate: Float) -> SampleResult {
        train(input: EncodedSample(input), label: label, boostWeight: boostWeight, learningRate: learningRate)
    }

    /// A sample's input spikes by step and by neuron; the trainer prepares the next one on the
    /// idle core while this one trains.
    public struct EncodedSample: Sendable {
        public var raster: SpikeRaster
        public var trains: SpikeTrains
        public init(_ raster: SpikeRaster) {
            self.raster = raster
            trains = SpikeTrains(raster)
        }
    }

    @discardableResult
    public func train(input encoded: EncodedSample, label: Int, boostWeight: Float = 1, learningRate: Float) -> SampleResult {
        let input = encoded.raster
        let outputs = FloatSimulator.run(network, input: input)
        let last = network.layers.count - 1
        let outputCounts = outputs[last].counts()
        let outputLayer = network.layers[last]
        let error = OutputError(counts: outputCounts, label: label, boostWeight: boostWeight, config: config)
        var outputTimes = outputs[last].spikeTimes()
        let lateral = outputLayer.lateralInhibition != 0
            ? LateralFactor.compute(outputTimes: outputTimes, label: label, threshold: outputLayer.threshold,
                                    strength: outputLayer.lateralInhibition, kernel: kernel)
            : nil
        var postCounts = outputCounts
        if outputCounts[label] == 0 {
            outputTimes[label] = TargetInjection.spikes(timeSteps: network.constants.timeSteps, desiredCount: config.desiredCount)
            postCounts[label] = Int32(outputTimes[label].count)
        }
        var delta = error.gradient.map { $0 / outputLayer.threshold }
        var postTrains = SpikeTrains(perNeuron: outputTimes)
        var lateralFactor = lateral
        for index in stride(from: last, through: 0, by: -1) {
            let belowTrains = index == 0 ? encoded.trains : SpikeTrains(outputs[index - 1])
            let sample = LayerTrainer.Sample(
                inputTrains: belowTrains, inputCounts: belowTrains.counts(), postTrains: postTrains, postCounts: postCounts,
                delta: delta, lateralFactor: lateralFactor)
            let propagated = layerTrainers[index].backward(
                sample, layer: &network.layers[index], config: config, learningRate: learningRate, propagate: index > 0)
            if index > 0, let propagated {
                let threshold = network.layers[index - 1].threshold
                delta = propagated.map { $0 / threshold }
                postTrains = sample.inputTrains
                postCounts = sample.inputCounts
                lateralFactor = nil
            }
        }
        return SampleResult(
            prediction: predictedClass(outputCounts), outputCounts: outputCounts, cost: error.cost,
            spikesPerLayer: outputs.map(\.totalSpikes))
    }

    /// Adam's first and second moments of every layer (for checkpoints).
    public var adamMoments: [([Float], [Float])] { layerTrainers.map { ($0.adamFirst.rowMajor(), $0.adamSecond.rowMajor()) } }

    /// Restores a checkpoint's Adam state; shapes must match the network.
    public func restoreAdam(step: Int, moments: [([Float], [Float])]) {
        precondition(moments.count == layerTrainers.count)
        for (trainer, (first, second)) in zip(layerTrainers, moments) {
            trainer.adamFirst.load(rowMajor: first)
            trainer.adamSecond.load(rowMajor: second)
            trainer.adamStep = step
        }
    }
}
