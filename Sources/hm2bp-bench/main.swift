// hm2bp-bench: the project's benchmarks. Build in release (`swift build -c release`) and run
// `.build/release/hm2bp-bench NAME`; figures go to docs/benchmarks.md with the command and machine.
import Foundation

let benchmarks: [(name: String, summary: String, run: ([String]) throws -> Void)] = [
    ("train", "HM2-BP training step and forward evaluation, 784-800-10 at T=400, with OpenBLAS ratios", TrainBenchmark.run),
    ("train-cnn", "HM2-BP training and forward evaluation of the CNN 28x28-15C5-P2-40C5-P2-300-10 at T=400", CNNTrainBenchmark.run),
    ("compile", "compile 784-800-10 for every shipped target, calibration cost, compile time vs synapse count", CompileBenchmark.run),
    ("emulate", "bit-accurate emulator, 784-800-10 at T=400 on MNIST test digits: events/s vs the 84 G adds/s limit, images/s", EmulateBenchmark.run),
    ("emulate-cnn", "bit-accurate emulator on the committed spiking CNN, tiled (hm2bp-large) and one core per layer: images/s, both kernel builds", CNNEmulateBenchmark.run),
    ("nmnist", "N-MNIST input: one recording decoded and converted, a folder of recordings read as --data reads it", NMNISTBenchmark.run),
]

let arguments = Array(CommandLine.arguments.dropFirst())
guard let name = arguments.first, let benchmark = benchmarks.first(where: { $0.name == name }) else {
    print("usage: hm2bp-bench NAME [options]\n")
    for b in benchmarks { print("  \(b.name.padding(toLength: 12, withPad: " ", startingAt: 0)) \(b.summary)") }
    exit(arguments.isEmpty ? 0 : 2)
}
do {
    try benchmark.run(Array(arguments.dropFirst()))
} catch {
    FileHandle.standardError.write(Data("hm2bp-bench \(name): \(error)\n".utf8))
    exit(1)
}
