import ArgumentParser
import Compiler
import Emulator
import Foundation
import HardwareTargets
import HM2BPTrain
import NeuroImage
import SpikeData
import SpikeModel
import Verify

/// The exit statuses of docs/cli.md.
enum ExitStatus: Int32 {
    case ok = 0
    case checkFailed = 1
    case usage = 2
    case badInput = 3
    case environment = 4
    case interrupted = 130
}

/// An error the command line reports in one line, with the status of its kind.
struct CLIError: Error, CustomStringConvertible {
    var status: ExitStatus
    var message: String
    var description: String { message }

    static func usage(_ message: String) -> CLIError { CLIError(status: .usage, message: message) }
    static func badInput(_ message: String) -> CLIError { CLIError(status: .badInput, message: message) }
    /// For commands that need something the machine lacks (a device, a tool), status 4.
    static func environment(_ message: String) -> CLIError { CLIError(status: .environment, message: message) }
}

/// Runs the root command and turns every error into one stderr line and the documented status,
/// instead of ArgumentParser's usage text (and status 64) for errors that are not about usage.
enum CommandLineMain {
    static func run() -> Never {
        do {
            var command = try HM2BP.parseAsRoot()
            try command.run()
            exit(ExitStatus.ok.rawValue)
        } catch {
            exit(status(reporting: error))
        }
    }

    static func status(reporting error: Error) -> Int32 {
        if let (status, message) = classify(error) {
            Console.error(message)
            return status.rawValue
        }
        let code = HM2BP.exitCode(for: error)
        if code == .success { HM2BP.exit(withError: error) }  // --help, --version
        if error is ExitCode { return code.rawValue }  // the command reported its own verdict
        // A parse or validation error of ArgumentParser: its message with the usage.
        FileHandle.standardError.write(Data((HM2BP.fullMessage(for: error) + "\n").utf8))
        return ExitStatus.usage.rawValue
    }

    /// The status and message of the errors the libraries throw; nil for ArgumentParser's own.
    static func classify(_ error: Error) -> (ExitStatus, String)? {
        switch error {
        case let error as CLIError: return (error.status, error.message)
        case let error as ModelError:
            if case .invalidFile = error { return (.badInput, error.description) }
            return (.usage, "--arch: \(error)")
        case let error as Trainer.OptionError: return (.usage, error.description)
        case let error as TrainingConfig.SettingError: return (.usage, "--set: \(error)")
        case let error as CompileOptionError: return (.usage, error.description)
        case let error as TargetError:
            if case .unknownTarget = error { return (.usage, "--target: \(error)") }
            return (.badInput, error.description)
        case let error as ImageError: return (.badInput, error.description)
        case let error as ImageReportError: return (.badInput, error.description)
        case let error as EmulatorError: return (.badInput, error.description)
        case let error as VerifyError: return (.badInput, error.description)
        case let error as NMNISTFolderError: return (.badInput, error.description)
        case let error as DataError: return (.environment, error.description)
        case let error as FileWriteError: return (.environment, error.description)
        case let error as CompileFailure: return (.checkFailed, error.description)
        case let error as CocoaError: return (.environment, error.localizedDescription)
        default: return nil
        }
    }
}

/// Messages on stderr, prefixed so a script can tell them from data.
enum Console {
    static func error(_ message: String) { write("hm2bp: error: \(message)") }
    static func warning(_ message: String) { write("hm2bp: warning: \(message)") }

    private static func write(_ line: String) { FileHandle.standardError.write(Data((line + "\n").utf8)) }
}

/// JSON for `--json` outputs: stable key order, readable.
enum CommandOutput {
    static func json<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}

/// Checks of option values shared by the commands (docs/cli.md).
enum OptionCheck {
    /// A count of images: nil (all) or at least 1.
    static func count(_ value: Int?, flag: String) throws {
        if let value, value < 1 { throw CLIError.usage("\(flag) must be at least 1 (got \(value))") }
    }

    /// An output path: not empty and not one of the command's inputs (compared after resolving
    /// links, and by file identity when both exist).
    static func output(_ path: String, flag: String, inputs: [String]) throws {
        guard !path.isEmpty else { throw CLIError.usage("\(flag) is empty; give a file or folder name") }
        for input in inputs where sameFile(path, input) {
            throw CLIError.usage("\(flag) \(path) is an input of this command (\(input)); it would be overwritten - choose another output")
        }
    }

    /// Refuses to replace an existing model file unless forced.
    static func notAFinishedModel(_ path: String, flag: String, force: Bool, hint: String) throws {
        guard !force, let handle = FileHandle(forReadingAtPath: path) else { return }
        defer { try? handle.close() }
        let start = (try? handle.read(upToCount: 8)) ?? Data()
        if Array(start) == ModelFile.magic {
            throw CLIError.usage("\(flag) \(path) is an existing model; \(hint) (or --force to overwrite it)")
        }
    }

    /// Whether `file` lies inside `folder` (which a command would replace as a whole).
    static func folder(_ folder: String, holds file: String) -> Bool {
        resolved(file).hasPrefix(resolved(folder) + "/")
    }

    static func resolved(_ path: String) -> String { URL(fileURLWithPath: path).standardizedFileURL.resolvingSymlinksInPath().path }

    static func sameFile(_ a: String, _ b: String) -> Bool {
        if resolved(a) == resolved(b) { return true }
        var sa = stat(), sb = stat()
        return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino
    }
}

/// `--dataset`, `--seed`, `--data-dir` and `--data` of the commands that encode test images;
/// defaults come from what the model or image records.
struct DataOptions: ParsableArguments {
    @Option(help: "Data set: mnist, fashion-mnist or nmnist (default: the one the model/image records).")
    var dataset: DatasetName?
    @Option(parsing: .unconditional, help: ArgumentHelp("Seed of the test spike encoding (default: the seed the model/image records; nmnist inputs do not depend on it).", valueName: "seed"))
    var seed: UInt64?
    @Option(name: .customLong("data-dir"), help: ArgumentHelp("Data directory (default: $HM2BP_DATA_DIR, else ~/.cache/hm2bp/data).", valueName: "dir"))
    var dataDirectory: String?
    @Option(name: .customLong("data"), help: ArgumentHelp("The unpacked N-MNIST (Train/ and Test/); required with nmnist, which is never fetched.", valueName: "dir"))
    var dataFolder: String?

    var source: DataSource { DataSource(directory: dataDirectory, folder: dataFolder) }

    /// The data set and seed to use: the flags, else the record; a flag that differs from the
    /// record is used with a warning, since results on other data say little about the model.
    func resolve(recorded: RecordedData) throws -> (dataset: DatasetName, seed: UInt64) {
        if let encoder = recorded.encoder, !Provenance.knownEncoders.contains(encoder) {
            throw CLIError.badInput("\(recorded.source) records encoder '\(encoder)', which this hm2bp cannot produce")
        }
        let chosenDataset: DatasetName
        if let dataset {
            if let name = recorded.dataset, name != dataset.rawValue {
                Console.warning("--dataset \(dataset.rawValue) differs from \(name), the data set \(recorded.source) records (trained on); its results on \(dataset.rawValue) say little about it")
            }
            chosenDataset = dataset
        } else if let name = recorded.dataset {
            guard let known = DatasetName(rawValue: name) else {
                throw CLIError.usage("\(recorded.source) records data set '\(name)', which hm2bp cannot load; give --dataset")
            }
            chosenDataset = known
        } else {
            Console.warning("\(recorded.source) records no data set (compiled before hm2bp recorded it); using mnist - give --dataset to choose")
            chosenDataset = .mnist
        }
        if let seed, !chosenDataset.isFetched {
            Console.warning("--seed \(seed) does not change \(chosenDataset.rawValue) inputs: the recordings are converted without randomness")
        } else if let seed, let recordedSeed = recorded.seed, seed != recordedSeed {
            Console.warning("--seed \(seed) differs from the seed \(recorded.source) records (\(recordedSeed))")
        }
        return (chosenDataset, seed ?? recorded.seed ?? 1)
    }
}

/// Where a command's data comes from: the data directory (MNIST, Fashion-MNIST; found or
/// fetched by `DataStore`) or the folder of `--data` (N-MNIST, read in place). The model does
/// not record the folder (docs/cli.md), so every command that reads N-MNIST takes `--data`.
struct DataSource {
    var directory: String?
    var folder: String?

    /// Samples of a split: images (encoded later, from the seed) or recordings converted to
    /// `timeSteps` bins. Refuses a flag that does not fit the data set (usage, status 2).
    func load(_ dataset: DatasetName, split: Split, limit: Int?, timeSteps: Int) throws -> LabeledSamples {
        guard dataset.isFetched else {
            guard let folder else {
                throw CLIError.usage("--data: \(dataset.rawValue) is read from the folder it was unpacked into (Train/ and Test/); give --data DIR (docs/data.md)")
            }
            guard !folder.isEmpty else { throw CLIError.usage("--data is empty; give the folder holding Train/ and Test/") }
            if directory != nil {
                throw CLIError.usage("--data-dir is where hm2bp fetches mnist and fashion-mnist; \(dataset.rawValue) is read from --data only")
            }
            return .recordings(try NMNISTFolder(root: folder).load(split, limit: limit, timeSteps: timeSteps))
        }
        if let folder {
            throw CLIError.usage("--data \(folder): only nmnist is read from a folder you unpacked; \(dataset.rawValue) is fetched into --data-dir (docs/data.md)")
        }
        return .images(try DataStore(directory: directory).load(dataset, split: split, limit: limit))
    }
}

/// The data set, seed and encoder a model or image records (nil: not recorded).
struct RecordedData {
    var dataset: String?
    var seed: UInt64?
    var encoder: String?
    /// "the model m.hm2bp", for messages.
    var source: String

    /// An empty data set name (a model imported from NIR) is "not recorded".
    init(model: Model, path: String) {
        dataset = model.provenance.dataset.isEmpty ? nil : model.provenance.dataset
        seed = model.provenance.seed
        encoder = model.provenance.encoder
        source = "the model \(path)"
    }

    init(image: ImageReport, path: String) {
        dataset = image.provenance.flatMap { $0.dataset.isEmpty ? nil : $0.dataset }
        seed = image.provenance?.seed
        encoder = image.provenance?.encoder
        source = "the image \(path)"
    }
}

/// A hidden, deprecated spelling of a flag: accepted with a warning naming the new one.
enum DeprecatedFlag {
    static func merge<T>(_ current: T?, _ old: T?, oldName: String, newName: String) -> T? {
        guard let old else { return current }
        Console.warning("\(oldName) is deprecated; use \(newName)")
        return current ?? old
    }
}

/// Hex of a SHA-256 for JSON reports.
func sha256Hex(_ bytes: [UInt8]) -> String { Digest.sha256(bytes).map { String(format: "%02x", $0) }.joined() }
