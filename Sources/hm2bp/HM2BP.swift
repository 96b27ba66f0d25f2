import ArgumentParser

@main
struct HM2BP: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hm2bp",
        abstract: "Train spiking networks with HM2-BP, compile them for neuromorphic targets, emulate and verify them.",
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
            ImportCommand.self, ExportCommand.self, NIRReadCommand.self,
        ])
}
