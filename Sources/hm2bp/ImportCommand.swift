import ArgumentParser
import Foundation
import NIR
import SpikeModel

struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import a NIR graph (snnTorch, Norse, Sinabs, Rockpool, Lava-dl ...) as an hm2bp model.",
        discussion: """
        Maps LIF, CubaLIF and IF neurons at the given --dt onto hm2bp's discrete-time neuron (docs/nir.md). \
        A graph hm2bp cannot represent is refused with every offending node named (exit status 3).
        """)

    @Argument(help: "The .nir file (HDF5).") var graph: String
    @Option(name: [.short, .customLong("output")], help: "The .hm2bp model file to write.") var output: String
    @OptionGroup var nir: NIRImportFlags
    @Flag(help: "Print JSON instead of text.") var json = false
    @Flag(help: "Overwrite OUTPUT when it is an existing model.") var force = false

    func run() throws {
        try OptionCheck.output(output, flag: "-o", inputs: [graph])
        try OptionCheck.notAFinishedModel(output, flag: "-o", force: force, hint: "choose another -o")
        let imported = try ModelInput.importNIR(graph, flags: nir, json: json)
        try ModelFile.write(imported.model, to: output)
        let constants = imported.model.network.constants
        if json {
            struct Summary: Encodable {
                var architecture: String, dt: Double, discretization: String, tauM: Float, tauS: Float, timeSteps: Int
                var layers: [NIRLayerMapping], notes: [String], output: String
            }
            print(try CommandOutput.json(Summary(
                architecture: imported.model.network.architectureName, dt: imported.dt, discretization: imported.discretization.rawValue,
                tauM: constants.tauM, tauS: constants.tauS, timeSteps: constants.timeSteps, layers: imported.layers,
                notes: imported.notes, output: output)))
            return
        }
        var lines = ["imported \(graph): \(imported.model.network.architectureName), dt \(imported.dt) s (\(imported.discretization.rawValue)), tauM \(constants.tauM), tauS \(constants.tauS) steps, T \(constants.timeSteps)"]
        for layer in imported.layers {
            var line = "  \(layer.node) (\(layer.neuron), \(layer.layer)): \(layer.inputs) -> \(layer.outputs), threshold \(layer.threshold)"
            for (rounding, name) in [(layer.tauMRounding, "tauM"), (layer.tauSRounding, "tauS")] {
                if let rounding { line += "; " + DecayAdvice.describe(rounding, name: name) }
            }
            lines.append(line)
        }
        let shiftOnly = ModelInput.shippedTargets().filter { !DecayAdvice.unrepresentable(constants, on: $0).isEmpty }.map(\.name)
        if !shiftOnly.isEmpty {
            lines.append("note: \(shiftOnly.joined(separator: ", ")) (shift-only decays) cannot hold these taus; re-import with --power-of-two-taus for them")
        }
        lines.append("wrote \(output)")
        print(lines.joined(separator: "\n"))
    }
}
