import Foundation
import XCTest

final class GoldenCommandTests: XCTestCase {
    func testWritesInputsAndEveryCoresExpectedSpikes() throws {
        let directory = try CommandRunner.temporaryDirectory(self)
        let (_, image) = try EmulatorCLIFixture.compiled(in: directory, target: "hm2bp-nano")
        let run = try CommandRunner.run(["golden", image, "-o", "golden", "--limit", "3"], in: directory)
        XCTAssertEqual(run.status, 0, run.stderr)
        let manifest = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: directory + "/golden/golden.json"))) as! [String: Any]
        let cores = manifest["cores"] as! [[String: Any]]
        let samples = manifest["samples"] as! [[String: Any]]
        XCTAssertEqual(samples.count, 3)
        for sample in samples {
            XCTAssertEqual((sample["cores"] as! [String]).count, cores.count)
            for path in (sample["cores"] as! [String]) + [sample["input"] as! String] {
                let bytes = try Data(contentsOf: URL(fileURLWithPath: directory + "/golden/" + path))
                XCTAssertEqual(Array(bytes.prefix(8)), Array("HM2BPSPK".utf8), path)
            }
        }
        let bad = try CommandRunner.run(["golden", "missing.img", "-o", "out"], in: directory)
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.stderr.contains("missing.img"), bad.stderr)
    }

    /// Issue 9 item 16: the set is replaced as a whole. A folder holding an older set (more
    /// samples, a stale manifest) ends up holding exactly the new set; temporaries a killed run
    /// left behind are removed; nothing is left beside the folder.
    func testTheSetIsReplacedAsAWholeAndStaleTemporariesAreRemoved() throws {
        let directory = try CommandRunner.temporaryDirectory(self)
        let (_, image) = try EmulatorCLIFixture.compiled(in: directory, target: "hm2bp-nano")
        XCTAssertEqual(try CommandRunner.run(["golden", image, "-o", "golden", "--limit", "4"], in: directory).status, 0)
        // A dead process's leftovers: pid 2^22 + 1 is above Linux's pid_max limit, so never alive.
        let dead = "4194305"
        try FileManager.default.createDirectory(atPath: directory + "/.golden.tmp-\(dead)/sample-00000", withIntermediateDirectories: true)
        try Data("x".utf8).write(to: URL(fileURLWithPath: directory + "/golden/.golden.json.tmp-\(dead)-1"))
        let run = try CommandRunner.run(["golden", image, "-o", "golden", "--limit", "2", "--json"], in: directory)
        XCTAssertEqual(run.status, 0, run.stderr)
        let report = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as! [String: Any]
        XCTAssertEqual(report["samples"] as? Int, 2)
        XCTAssertEqual(report["dataset"] as? String, "mnist")
        XCTAssertEqual(report["seed"] as? Int, 1)
        let entries = try FileManager.default.contentsOfDirectory(atPath: directory + "/golden").sorted()
        XCTAssertEqual(entries, ["golden.json", "sample-00000", "sample-00001"], "only the new set")
        let beside = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasPrefix(".golden") }
        XCTAssertEqual(beside, [], "no temporary folder left")
    }

    /// Issue 9 items 12 and 14: an empty output, or one that would replace the image, is refused;
    /// the old --samples still works, with a warning.
    func testOutputsThatWouldLoseDataAreRefused() throws {
        let directory = try CommandRunner.temporaryDirectory(self)
        let (_, image) = try EmulatorCLIFixture.compiled(in: directory, target: "hm2bp-nano")
        let empty = try CommandRunner.run(["golden", image, "-o", ""], in: directory)
        XCTAssertEqual(empty.status, 2, empty.stderr)
        let holding = try CommandRunner.run(["golden", image, "-o", directory], in: directory)
        XCTAssertEqual(holding.status, 2, holding.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: image))
        let zero = try CommandRunner.run(["golden", image, "-o", "g", "--limit", "0"], in: directory)
        XCTAssertEqual(zero.status, 2, zero.stderr)
        let old = try CommandRunner.run(["golden", image, "-o", "g", "--samples", "1"], in: directory)
        XCTAssertEqual(old.status, 0, old.stderr)
        XCTAssertTrue(old.stderr.contains("--samples is deprecated; use --limit"), old.stderr)
    }
}
