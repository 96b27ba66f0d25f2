import ArgumentParser

@main
struct HM2BP: ParsableCommand {
    /// Shown by `hm2bp --version`.
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "hm2bp",
        abstract: "Train spiking networks with HM2-BP, compile them for neuromorphic targets, emulate and verify them.",
        discussion: "Flags, exit codes (0 ok, 1 a check failed, 2 usage, 3 bad input file, 4 environment) and --json schemas: docs/cli.md.",
        version: "hm2bp \(version)",
        // One command per line, so that commands added in parallel merge without conflicts.
        subcommands: [
            DemoCommand.self,
            TrainCommand.self,
            EvalCommand.self,
            CompileCommand.self,
            InspectCommand.self,
            EmulateCommand.self,
            VerifyCommand.self,
            GoldenCommand.self,
            DataCommand.self,
            DevicesCommand.self,
            FlashCommand.self,
            RunCommand.self,
            ImportCommand.self,
            ExportCommand.self,
            NIRReadCommand.self,
        ])

    /// Errors become one line and the documented exit status (CommandLineSupport.swift).
    static func main() { CommandLineMain.run() }
}
