import Foundation

/// Runs the external tools of the fetch routes (python3, apt-get, dpkg-deb) and turns a failure
/// into a `DataError.fetchFailed` that quotes the tool's own last words.
enum Subprocess {
    @discardableResult
    static func run(_ arguments: [String], in directory: String, dataset: String, step: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        do {
            try process.run()
        } catch {
            throw DataError.fetchFailed(dataset: dataset, step: step, reason: "cannot start \(arguments[0]): \(error)")
        }
        // Drain before waiting: a child blocked on a full pipe would never exit.
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            let tail = output.split(separator: "\n").suffix(5).joined(separator: " | ")
            throw DataError.fetchFailed(dataset: dataset, step: step,
                                        reason: "\(arguments[0]) exited with status \(process.terminationStatus): \(tail)")
        }
        return output
    }
}
