import ArgumentParser
import Foundation
import NIR
import SpikeModel

struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export an hm2bp model as a NIR graph (Conv2d, AvgPool2d or Linear + CubaLIF per layer) for other frameworks.",
        discussion: """
        NIR has no lateral inhibition and no refractory period: a model with either is refused (exit status 3) \
        unless --drop-unsupported, which exports the neurons without them (other frameworks will not apply them) \
        and keeps them only in hm2bp's metadata, so `hm2bp import` restores them (docs/nir.md).
        """)

    @Argument(help: "The .hm2bp model file.") var model: String
    @Option(name: [.short, .customLong("output")], help: "The .nir file to write.") var output: String
    @Option(help: "Seconds per hm2bp step, recorded in the graph (taus become tau * dt).") var dt: Double = 1e-3
    @Flag(help: "Export even though NIR cannot express the model's lateral inhibition or refractory period.") var dropUnsupported = false

    func run() throws {
        try OptionCheck.output(output, flag: "-o", inputs: [model])
        let loaded: Model
        do { loaded = try ModelFile.read(path: model) } catch { ModelInput.fail("\(error)", code: 3) }
        let graph: NIRGraph
        do {
            let warnings: [String]
            (graph, warnings) = try NIRExporter.export(loaded, path: model, options: .init(dt: dt, dropUnsupported: dropUnsupported))
            for warning in warnings { FileHandle.standardError.write(Data("\(model): warning: \(warning)\n".utf8)) }
            try NIRFile.write(graph, to: output)
        } catch let error as NIRError {
            if case .inexpressible = error {
                ModelInput.fail("\(error)\n(pass --drop-unsupported to export without them)", code: 3)
            }
            ModelInput.fail(error.description, code: 2)
        }
        let kinds = Dictionary(grouping: graph.nodes.map(\.type).filter { $0 != "Input" && $0 != "Output" }, by: { $0 })
        let listing = kinds.keys.sorted().map { "\(kinds[$0]!.count) \($0)" }.joined(separator: ", ")
        print("wrote \(output): NIR \(NIRExporter.version), \(listing), dt \(dt) s")
    }
}
