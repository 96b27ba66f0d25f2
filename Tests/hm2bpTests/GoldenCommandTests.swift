import Foundation
import XCTest

final class GoldenCommandTests: XCTestCase {
    func testWritesInputsAndEveryCoresExpectedSpikes() throws {
        let directory = try CommandRunner.temporaryDirectory(self)
        let (_, image) = try EmulatorCLIFixture.compiled(in: directory, target: "hm2bp-nano")
        let run = try CommandRunner.run(["golden", image, "-o", "golden", "--samples", "3"], in: directory)
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
}
