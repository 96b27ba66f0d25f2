import ArgumentParser
import Foundation
import HardwareTargets
import NIR
import SpikeModel

/// The settings a NIR graph does not carry, shared by `import` and `compile model.nir`.
struct NIRImportFlags: ParsableArguments {
    @Option(help: "NIR input: the time window T of the hm2bp model (default: what an hm2bp export recorded).")
    var timeSteps: Int?

    @Option(help: "NIR input: seconds per step the network was trained at (default: what an hm2bp export recorded).")
    var dt: Double?

    @Option(help: "NIR input: euler (decay 1 - dt/tau, as snnTorch and Norse step) or exact (decay exp(-dt/tau), NIR's equation).")
    var discretization: String?

    @Flag(help: "NIR input: round tauM and tauS to the nearest power of two (for shift-only cores), reporting the error per layer.")
    var powerOfTwoTaus = false

    func settings() throws -> NIRImportSettings {
        var chosen: Discretization?
        if let discretization {
            guard let value = Discretization(rawValue: discretization) else {
                throw CLIError.usage("--discretization must be euler or exact (got '\(discretization)')")
            }
            chosen = value
        }
        return NIRImportSettings(dt: dt, timeSteps: timeSteps, discretization: chosen, powerOfTwoTaus: powerOfTwoTaus)
    }
}

/// Loads the model a command works on: an `.hm2bp` file as it is, or a NIR graph imported on the
/// fly (the bytes are those `hm2bp import` would write, so an image compiled from a `.nir` file
/// verifies against the imported `.hm2bp`).
enum ModelInput {
    static func load(_ path: String, nir flags: NIRImportFlags, target: HardwareTarget? = nil) throws -> (model: Model, bytes: [UInt8]) {
        guard NIRImporter.isNIRFile(path: path) else { return try ModelLoading.load(path) }
        let imported = try importNIR(path, flags: flags)
        if let target, let refusal = DecayAdvice.refusal(imported.model.network.constants, layers: imported.layers, target: target,
                                                          candidates: ModelInput.shippedTargets()) {
            fail("\(path): \(refusal)", code: 3)
        }
        return (imported.model, try ModelFile.encode(imported.model))
    }

    /// Imports, printing notes to stderr; a refusal prints every problem and exits 3 (bad input
    /// file), a missing setting exits 2 (usage).
    static func importNIR(_ path: String, flags: NIRImportFlags, json: Bool = false) throws -> NIRImport {
        do {
            let settings = try flags.settings()
            let imported = try NIRImporter.importGraph(try IsolatedNIRRead.read(path: path), path: path, settings: settings)
            for note in imported.notes { FileHandle.standardError.write(Data("\(path): \(note)\n".utf8)) }
            return imported
        } catch let error as NIRError {
            if json, case .unrepresentable(_, let problems) = error {
                print((try? CommandOutput.json(["problems": problems])) ?? "")
            }
            if case .missingSetting = error { fail(error.description, code: 2) }
            fail(error.description, code: 3)
        }
    }

    static func shippedTargets() -> [HardwareTarget] {
        TargetLoader.knownNames().compactMap { try? TargetLoader.load($0).target }
    }

    static func fail(_ message: String, code: Int32) -> Never {
        FileHandle.standardError.write(Data("\(message)\n".utf8))
        Foundation.exit(code)
    }
}
