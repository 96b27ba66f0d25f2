import SpikeModel

/// One HM2-BP learner: the network being trained, its per-layer Adam state and scratch, and the
/// per-sample step (forward, output error, backward layer by layer, Adam), batch size 1.
public final class Learner {
    public private(set) var network: Network
    public let config: TrainingConfig
    let kernel: SPSPKernel
    private let layerTrainers: [LayerTrainer]
    /// One per spatial layer; nil for pooling (no weights).
    private let spatialTrainers: [ConvolutionTrainer?]

    public init(network: Network, config: TrainingConfig) {
        self.network = network
        self.config = config
        let kernel = SPSPKernel(parameters: SPSPParameters(constants: network.constants, silentPostValue: config.silentPostSPSP),
                                timeSteps: network.constants.timeSteps)
        self.kernel = kernel
        layerTrainers = network.layers.map {
            LayerTrainer(inputCount: $0.inputCount, outputCount: $0.outputCount, constants: network.constants, kernel: kernel)
        }
        spatialTrainers = network.spatialLayers.map {
            guard case .convolution(let layer) = $0 else { return nil }
            return ConvolutionTrainer(layer: layer, constants: network.constants, kernel: kernel)
        }
    }

    /// Adam's step count (samples trained so far).
    public var adamStep: Int { layerTrainers.first?.adamStep ?? 0 }

    public struct SampleResult: Sendable {
        public var prediction: Int
        public var outputCounts: [Int32]
        public var cost: Float
        /// Spikes per layer (spatial layers, hidden layers, then output).
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
        let front = network.spatialLayers.count
        let last = network.layers.count - 1
        let outputCounts = outputs[front + last].counts()
        let outputLayer = network.layers[last]
        let error = OutputError(counts: outputCounts, label: label, boostWeight: boostWeight, config: config)
        var outputTimes = outputs[front + last].spikeTimes()
        let lateral = outputLayer.lateralInhibition != 0
            ? LateralFactor.compute(outputTimes: outputTimes, label: label, threshold: outputLayer.threshold,
                                    strength: outputLayer.lateralInhibition, kernel: kernel)
            : nil
        var postCounts = outputCounts
        if outputCounts[label] == 0 {
            outputTimes[label] = TargetInjection.spikes(timeSteps: network.constants.timeSteps, desiredCount: config.desiredCount)
            postCounts[label] = Int32(outputTimes[label].count)
        }
        // Spikes by neuron of the input and of every layer but the output.
        let trains = [encoded.trains] + outputs.dropLast().map(SpikeTrains.init)
        var delta = error.gradient.map { $0 / outputLayer.threshold }
        var postTrains = SpikeTrains(perNeuron: outputTimes)
        var lateralFactor = lateral
        // The error reaching the spatial front, before the top spatial layer's own division.
        var frontError: [Float] = []
        for index in stride(from: last, through: 0, by: -1) {
            let belowTrains = trains[front + index]
            let sample = LayerTrainer.Sample(
                inputTrains: belowTrains, inputCounts: belowTrains.counts(), postTrains: postTrains, postCounts: postCounts,
                delta: delta, lateralFactor: lateralFactor)
            let propagate = index > 0 || front > 0
            let propagated = layerTrainers[index].backward(
                sample, layer: &network.layers[index], config: config, learningRate: learningRate, propagate: propagate)
            guard let propagated else { continue }
            if index > 0 {
                let threshold = network.layers[index - 1].threshold
                delta = propagated.map { $0 / threshold }
            } else {
                frontError = propagated
            }
            postTrains = sample.inputTrains
            postCounts = sample.inputCounts
            lateralFactor = nil
        }
        for index in stride(from: front - 1, through: 0, by: -1) {
            let belowTrains = trains[index]
            var sample = LayerTrainer.Sample(
                inputTrains: belowTrains, inputCounts: belowTrains.counts(), postTrains: postTrains, postCounts: postCounts,
                delta: frontError, lateralFactor: nil)
            switch network.spatialLayers[index] {
            case .pooling(let layer):
                guard index > 0 else { break }
                frontError = PoolingBackward.propagate(sample, layer: layer, kernel: kernel, effectRatio: config.effectRatio,
                                                       timeSteps: network.constants.timeSteps)
            case .convolution(var layer):
                let threshold = layer.threshold
                sample.delta = frontError.map { $0 / threshold }
                let propagated = spatialTrainers[index]!.backward(sample, layer: &layer, config: config, learningRate: learningRate,
                                                                 propagate: index > 0)
                network.spatialLayers[index] = .convolution(layer)
                if let propagated { frontError = propagated }
            }
            postTrains = belowTrains
            postCounts = sample.inputCounts
        }
        return SampleResult(
            prediction: predictedClass(outputCounts), outputCounts: outputCounts, cost: error.cost,
            spikesPerLayer: outputs.map(\.totalSpikes))
    }

    /// Adam's first and second moments of every layer (for checkpoints).
    /// The convolution layers' first (kernel layout), then the fully connected layers'.
    public var adamMoments: [([Float], [Float])] {
        spatialTrainers.compactMap { $0.map { ($0.adamFirst, $0.adamSecond) } }
            + layerTrainers.map { ($0.adamFirst.rowMajor(), $0.adamSecond.rowMajor()) }
    }

    /// Restores a checkpoint's Adam state; shapes must match the network.
    public func restoreAdam(step: Int, moments: [([Float], [Float])]) {
        let convolutions = spatialTrainers.compactMap { $0 }
        precondition(moments.count == convolutions.count + layerTrainers.count)
        for (trainer, (first, second)) in zip(convolutions, moments) {
            precondition(first.count == trainer.adamFirst.count && second.count == trainer.adamSecond.count)
            trainer.adamFirst = first
            trainer.adamSecond = second
            trainer.adamStep = step
        }
        for (trainer, (first, second)) in zip(layerTrainers, moments.dropFirst(convolutions.count)) {
            trainer.adamFirst.load(rowMajor: first)
            trainer.adamSecond.load(rowMajor: second)
            trainer.adamStep = step
        }
    }
}
