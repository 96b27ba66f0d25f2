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

    @Flag(name: .long, help: "Print the report as JSON (docs/cli.md).")
    var json = false

    struct Report: Encodable {
        var image: String
        var summary: CompileSummary

        enum CodingKeys: String, CodingKey { case image }
        func encode(to encoder: Encoder) throws {
            try summary.encode(to: encoder)
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(image, forKey: .image)
        }
    }

    func run() throws {
        let bytes = try ImageLoading.bytes(image)
        let decoded = try ImageLoading.decode(image, bytes: bytes)
        let summary = try CompileSummary(image: decoded.image, bytes: bytes)
        print(json ? try CommandOutput.json(Report(image: image, summary: summary)) : summary.text)
    }
}
