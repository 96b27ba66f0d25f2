import ArgumentParser
import Foundation
import NIR

/// Reads a NIR file in a child process. libhdf5 (1.10 in Debian 12) can crash on damaged files
/// (a corrupt global heap makes H5Dread copy past its buffers), which no check before the read
/// can rule out; in a child, a crash becomes a clear error naming the file instead of taking
/// hm2bp down.
enum IsolatedNIRRead {
    static let timeoutSeconds = 30.0

    static func read(path: String) throws -> NIRGraph {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        if !FileManager.default.isExecutableFile(atPath: process.executableURL!.path), let own = Bundle.main.executablePath {
            process.executableURL = URL(fileURLWithPath: own)
        }
        process.arguments = [NIRReadCommand.configuration.commandName!, path]
        var environment = ProcessInfo.processInfo.environment
        environment["SWIFT_BACKTRACE"] = "enable=no"
        process.environment = environment
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let errorText = Box()
        let errorReader = Thread { errorText.data = err.fileHandleForReading.readDataToEndOfFile() }
        errorReader.start()
        let deadline = DispatchWorkItem { if process.isRunning { process.terminate() } }
        DispatchQueue.global().asyncAfter(deadline: .now() + timeoutSeconds, execute: deadline)
        let json = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        deadline.cancel()
        while !errorReader.isFinished { usleep(1000) }
        if process.terminationReason == .uncaughtSignal {
            let reason = process.terminationStatus == SIGTERM
                ? "HDF5 did not finish reading the file in \(Int(timeoutSeconds)) s (damaged?)"
                : "damaged: the HDF5 library crashed reading the file (signal \(process.terminationStatus))"
            throw NIRError.file(path: path, reason: reason)
        }
        guard process.terminationStatus == 0 else {
            let message = String(decoding: errorText.data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            throw NIRError.file(path: path, reason: message.isEmpty ? "cannot be read (status \(process.terminationStatus))" : message)
        }
        do {
            return try NIRReadCommand.decoder.decode(NIRGraph.self, from: json)
        } catch {
            throw NIRError.file(path: path, reason: "the reader's output was not understood: \(error)")
        }
    }

    private final class Box: @unchecked Sendable { var data = Data() }
}

/// The child side: `hm2bp nir-read FILE` prints the graph as JSON (internal, not listed in help).
struct NIRReadCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nir-read", abstract: "Internal: read a NIR file and print it as JSON.", shouldDisplay: false)

    static var encoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return encoder
    }
    static var decoder: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return decoder
    }

    @Argument(help: "The .nir file.") var graph: String

    func run() throws {
        do {
            FileHandle.standardOutput.write(try Self.encoder.encode(try NIRFile.read(path: graph)))
        } catch let error as NIRError {
            ModelInput.fail(error.description, code: 3)
        }
    }
}
