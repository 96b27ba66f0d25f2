import ArgumentParser
import Compiler
import Foundation
import NeuroImage

struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Print the resource and quantization report of a compiled image, from the image alone.")

    @Argument(help: "The image file written by `hm2bp compile`.")
    var image: String

    @Flag(name: .long, help: "Print the report as JSON.")
    var json = false

    func run() throws {
        guard let data = FileManager.default.contents(atPath: image) else {
            throw ValidationError("\(image): cannot read the image file (missing or unreadable)")
        }
        let bytes = Array(data)
        let decoded: NeuroImage
        do {
            decoded = try ImageDecoder.decode(bytes)
        } catch let error as ImageError {
            FileHandle.standardError.write(Data("\(image): \(error)\n".utf8))
            throw ExitCode.failure
        }
        let summary = try CompileSummary(image: decoded, bytes: bytes)
        print(json ? try CommandOutput.json(summary) : summary.text)
    }
}
