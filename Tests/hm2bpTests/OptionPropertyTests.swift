import Foundation
import XCTest

/// Property over the command line: hostile values for every numeric option of the commands
/// (negative, zero, huge, NaN, not a number, empty) end in a documented status with a message
/// on stderr, or a correct run; never a signal (a trap), never a hang. Seeded and bounded: a
/// few dozen runs on a tiny model and image, each capped by `--limit 2`.
final class OptionPropertyTests: XCTestCase {
    static let values = ["-1", "0", "1", "2", "-9223372036854775808", "18446744073709551616", "1e400", "nan", "inf", "-0", "x", "", "2.5", "--json"]

    func testHostileOptionValuesGiveADocumentedStatus() throws {
        let dir = try CommandRunner.temporaryDirectory(self)
        try CommandFixtures.writeModel([784, 12, 10], timeSteps: 20, to: dir + "/m.hm2bp")
        let compiled = try CommandRunner.run(["compile", "m.hm2bp", "-o", "m.img", "--calibration-samples", "0"], in: dir)
        XCTAssertEqual(compiled.status, 0, compiled.stderr)
        let commands: [([String], [String])] = [
            (["eval", "m.hm2bp", "--limit", "2"], ["--limit", "--seed"]),
            (["emulate", "m.img", "--limit", "2"], ["--limit", "--seed", "--trace-limit"]),
            (["verify", "m.hm2bp", "m.img", "--limit", "2"], ["--limit", "--seed", "--max-accuracy-drop", "--min-agreement", "--max-firing-count-error"]),
            (["golden", "m.img", "-o", "g"], ["--limit", "--seed"]),
            (["compile", "m.hm2bp", "-o", "x.img"], ["--weight-bits", "--calibration-samples"]),
            (["train", "--arch", "784-5-10", "--train-limit", "3", "--test-limit", "2", "--time-steps", "10", "-o", "t.hm2bp", "--force"],
             ["--epochs", "--train-limit", "--test-limit", "--time-steps", "--seed"]),
        ]
        var state: UInt64 = 12345
        func next(_ n: Int) -> Int { state = state &* 6364136223846793005 &+ 1442695040888963407; return Int((state >> 33) % UInt64(n)) }
        var statuses: [Int32: Int] = [:]
        for _ in 0..<36 {
            let (base, flags) = commands[next(commands.count)]
            let flag = flags[next(flags.count)], value = Self.values[next(Self.values.count)]
            var arguments = base
            // The flag given last wins in ArgumentParser, so it overrides a value in `base`.
            arguments += [flag, value]
            if flag == "--trace-limit" { arguments += ["-o", "traces"] }
            let run = try CommandRunner.run(arguments, in: dir)
            statuses[run.status, default: 0] += 1
            XCTAssertTrue([0, 1, 2, 3, 4].contains(run.status), "\(arguments): status \(run.status) \(run.stderr)")
            if run.status != 0 { XCTAssertFalse(run.stderr.isEmpty, "\(arguments): an error says why") }
            if run.status == 2 { XCTAssertTrue(run.stderr.lowercased().contains("error"), "\(arguments): \(run.stderr)") }
        }
        XCTAssertGreaterThan(statuses[2] ?? 0, 0, "\(statuses)")
    }
}
