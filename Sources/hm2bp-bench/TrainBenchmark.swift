import COpenBLAS
import Foundation
import HM2BPTrain
import Kernels
import SpikeData
import SpikeModel

/// The trainer on real MNIST spike trains: training samples/s (784-800-10, T = 400, both
/// cores) of the `hm2bp train` command itself and of the library loop it runs, interleaved over
/// several rounds; forward-only evaluation time for 10,000 images; and the event-driven products
/// against OpenBLAS sgemm/sgemv on the same shapes, single-threaded each, in the same run.
enum TrainBenchmark {
    /// `hm2bp-bench train [SAMPLES] [ROUNDS]` (defaults 10,000 and 3).
    static func run(_ arguments: [String]) throws {
        let samples = arguments.first.flatMap(Int.init) ?? 10000
        let rounds = arguments.dropFirst().first.flatMap(Int.init) ?? 3
        let constants = NeuronConstants()
        let store = DataStore()
        let train = try store.load(.mnist, split: .train, limit: samples)
        let test = try store.load(.mnist, split: .test)
        print("machine: \(ProcessInfo.processInfo.activeProcessorCount) cores, workers \(Parallel.workerCount)")

        // Each round: the command as a user runs it (its own samplesPerSecond, from its log), then
        // the library loop in this process, so that drift of the machine hits both alike.
        var command: [Double] = [], library: [Double] = []
        var trainer: Trainer?
        for round in 1...rounds {
            command.append(try commandSamplesPerSecond(samples: samples))
            let t = try Trainer(options: .init(architecture: [784, 800, 10], constants: constants, epochs: 1, seed: 1, dataset: "mnist",
                                                   selection: .test),
                                train: train, test: test.prefix(10))
            var record: EpochRecord?
            _ = try t.run(progress: { _ in }, epochCompleted: { epoch, _ in record = epoch }, shouldStop: { false })
            library.append(record?.samplesPerSecond ?? 0)
            trainer = t
            print(String(format: "round %d: hm2bp train %.0f samples/s, Trainer.run in process %.0f samples/s", round,
                         command.last!, library.last!))
        }
        print(String(format: "train 784-800-10, %d real MNIST samples, encoding included, %d rounds: hm2bp train %.0f to %.0f samples/s, library loop %.0f to %.0f samples/s",
                     samples, rounds, command.min()!, command.max()!, library.min()!, library.max()!))
        guard let trainer else { return }

        // Forward-only evaluation of all 10,000 test images, encoding included.
        let report = Evaluator.evaluate(trainer.checkpoint.current.network, on: test,
                                        encoder: Evaluator.testEncoder(timeSteps: constants.timeSteps, seed: 1))
        print(String(format: "forward 784-800-10: the 10,000 test images in %.2f s = %.0f samples/s",
                     report.seconds, Double(report.samples) / report.seconds))

        let encoder = PoissonEncoder(timeSteps: constants.timeSteps, seed: 1)
        compareWithOpenBLAS(weights: trainer.checkpoint.current.network.layers[0].weights,
                            input: encoder.encode(train.image(0), sampleIndex: 0), timeSteps: constants.timeSteps)
    }

    /// Runs the `hm2bp` binary built beside this one: `hm2bp train` for one epoch on the first
    /// `samples` training images (10 test images), and returns the samples/s its log records.
    static func commandSamplesPerSecond(samples: Int) throws -> Double {
        let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("hm2bp")
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("hm2bp-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let model = folder.appendingPathComponent("bench.hm2bp").path
        let process = Process()
        process.executableURL = binary
        process.arguments = ["train", "--dataset", "mnist", "--arch", "784-800-10", "--epochs", "1", "--seed", "1",
                             "--train-limit", String(samples), "--test-limit", "10", "--select-best-on", "test", "-o", model]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw CocoaError(.executableLoad, userInfo: [NSLocalizedDescriptionKey: "\(binary.path) train exited \(process.terminationStatus)"])
        }
        let log = try String(contentsOfFile: model + ".log.jsonl", encoding: .utf8)
        let record = try JSONDecoder().decode(EpochRecord.self, from: Data(log.split(separator: "\n")[0].utf8))
        return record.samplesPerSecond
    }

    /// Times `body` as the median of `rounds` runs of `repeats` calls, in seconds per call.
    static func median(rounds: Int = 7, repeats: Int, _ body: () -> Void) -> Double {
        var times: [Double] = []
        for _ in 0..<rounds {
            let start = DispatchTime.now().uptimeNanoseconds
            for _ in 0..<repeats { body() }
            times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 / Double(repeats))
        }
        return times.sorted()[rounds / 2]
    }

    static func compareWithOpenBLAS(weights: [Float], input: SpikeRaster, timeSteps: Int) {
        openblas_set_num_threads(1)
        let inputs = 784, outputs = 800
        print("dense products, one core each, ours (event-driven) against OpenBLAS on the same shapes:")
        // 1. Forward drive: D[t] = Σ_{j spiking at t} W[j], i.e. D = X · W with X the T x 784 0/1 matrix.
        var dense = [Float](repeating: 0, count: timeSteps * inputs)
        for t in 0..<timeSteps { for j in input.firing(at: t) { dense[t * inputs + Int(j)] = 1 } }
        var ours = [Float](repeating: 0, count: timeSteps * outputs)
        var blas = [Float](repeating: 0, count: timeSteps * outputs)
        let oursDrive = median(repeats: 20) {
            ours.withUnsafeMutableBufferPointer { out in
                weights.withUnsafeBufferPointer { w in
                    input.neurons.withUnsafeBufferPointer { neurons in
                        for t in 0..<timeSteps {
                            let range = Int(input.stepStarts[t])..<Int(input.stepStarts[t + 1])
                            (out.baseAddress! + t * outputs).initialize(repeating: 0, count: outputs)
                            accumulateRows(into: out.baseAddress! + t * outputs, rows: w.baseAddress!, rowStride: outputs,
                                           indices: UnsafeBufferPointer(rebasing: neurons[range]), count: outputs)
                        }
                    }
                }
            }
        }
        let blasDrive = median(repeats: 20) {
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(timeSteps), Int32(outputs), Int32(inputs), 1,
                        dense, Int32(inputs), weights, Int32(outputs), 0, &blas, Int32(outputs))
        }
        let driveError = largestDifference(ours, blas)
        report("forward drive X·W (\(timeSteps)x\(inputs) · \(inputs)x\(outputs))", ours: oursDrive, blas: blasDrive,
               flops: 2.0 * Double(timeSteps * inputs * outputs), note: String(format: "max |diff| %.1e", driveError))

        // 2. S-PSP matrix: E = Xᵀ · K, K the T x 800 kernel matrix (here: a dense stand-in of the same shape).
        var generator = SplitMix64(seed: 3)
        let kernel = (0..<(timeSteps * outputs)).map { _ in Float.random(in: 0..<0.1, using: &generator) }
        let trains = SpikeTrains(input)
        var oursE = [Float](repeating: 0, count: inputs * outputs)
        var blasE = [Float](repeating: 0, count: inputs * outputs)
        let oursSPSP = median(repeats: 20) {
            oursE.withUnsafeMutableBufferPointer { out in
                kernel.withUnsafeBufferPointer { k in
                    trains.times.withUnsafeBufferPointer { times in
                        for j in 0..<inputs {
                            let row = out.baseAddress! + j * outputs
                            row.initialize(repeating: 0, count: outputs)
                            accumulateRows(into: row, rows: k.baseAddress!, rowStride: outputs,
                                           indices: UnsafeBufferPointer(rebasing: times[Int(trains.starts[j])..<Int(trains.starts[j + 1])]),
                                           count: outputs)
                        }
                    }
                }
            }
        }
        let blasSPSP = median(repeats: 20) {
            cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Int32(inputs), Int32(outputs), Int32(timeSteps), 1,
                        dense, Int32(inputs), kernel, Int32(outputs), 0, &blasE, Int32(outputs))
        }
        let spspError = largestDifference(oursE, blasE)
        report("S-PSP Xᵀ·K (\(inputs)x\(timeSteps) · \(timeSteps)x\(outputs))", ours: oursSPSP, blas: blasSPSP,
               flops: 2.0 * Double(timeSteps * inputs * outputs), note: String(format: "max |diff| %.1e", spspError))

        // 3. Propagated error: err = W · δ (784 x 800 times 800).
        let delta = (0..<outputs).map { _ in Float.random(in: -1...1, using: &generator) }
        var oursErr = [Float](repeating: 0, count: inputs)
        var blasErr = [Float](repeating: 0, count: inputs)
        let oursGemv = median(repeats: 200) {
            weights.withUnsafeBufferPointer { w in
                delta.withUnsafeBufferPointer { d in
                    for j in 0..<inputs { oursErr[j] = dot(w.baseAddress! + j * outputs, d.baseAddress!, count: outputs) }
                }
            }
        }
        let blasGemv = median(repeats: 200) {
            cblas_sgemv(CblasRowMajor, CblasNoTrans, Int32(inputs), Int32(outputs), 1, weights, Int32(outputs), delta, 1, 0, &blasErr, 1)
        }
        let gemvError = largestDifference(oursErr, blasErr)
        report("error W·δ (\(inputs)x\(outputs) · \(outputs))", ours: oursGemv, blas: blasGemv,
               flops: 2.0 * Double(inputs * outputs), note: String(format: "max |diff| %.1e", gemvError))
    }

    static func largestDifference(_ a: [Float], _ b: [Float]) -> Float {
        zip(a, b).map { abs($0 - $1) }.max() ?? 0
    }

    static func report(_ name: String, ours: Double, blas: Double, flops: Double, note: String) {
        print(String(format: "  %@: ours %.1f us, OpenBLAS %.1f us (%.1f dense GFLOP/s), ours/OpenBLAS speed %.2fx; %@",
                     name, ours * 1e6, blas * 1e6, flops / blas / 1e9, blas / ours, note))
    }
}
