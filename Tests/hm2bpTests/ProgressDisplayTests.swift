import XCTest
@testable import HM2BPTrain
@testable import hm2bp

/// Issue 9 item 21: the bar line fits the terminal (87-88 columns wrapped in 80 and stacked up
/// on every redraw) and says "testing" during the test pass instead of a frozen "ETA 0s".
final class ProgressDisplayTests: XCTestCase {
    func progress(done: Int, total: Int = 60_000) -> Trainer.Progress {
        Trainer.Progress(epoch: 9, epochs: 10, samplesDone: done, samplesTotal: total, runningAccuracy: 0.9876, samplesPerSecond: 12_345)
    }

    func testTheLineFitsEveryWidthAndShowsTheTestPass() {
        for width in [20, 40, 60, 80, 120, 300] {
            for done in [0, 1, 59_999, 60_000] {
                let line = ProgressDisplay.line(progress(done: done), fraction: Double(done) / 60_000, width: width)
                XCTAssertLessThan(line.count, width, "\(width): \(line)")
            }
        }
        let running = ProgressDisplay.line(progress(done: 30_000), fraction: 0.5, width: 80)
        XCTAssertTrue(running.contains("ETA"), running)
        XCTAssertTrue(running.contains("["), "a bar fits in 80 columns: \(running)")
        let testing = ProgressDisplay.line(progress(done: 60_000), fraction: 1, width: 80)
        XCTAssertTrue(testing.hasSuffix("testing..."), testing)
        XCTAssertFalse(testing.contains("ETA 0s"), testing)
        XCTAssertEqual(ProgressDisplay.duration(.infinity), "?")
    }
}
