import XCTest
@testable import SpikeModel

final class SpikeRasterTests: XCTestCase {
    func testPerNeuronTimesRoundTripThroughStepsAndTrains() {
        let times: [[Int]] = [[0, 5, 9], [], [3], [5, 6, 7, 8]]
        let raster = SpikeRaster(neuronCount: 4, timeSteps: 10, spikeTimes: times)
        XCTAssertEqual(raster.totalSpikes, 8)
        XCTAssertEqual(raster.counts(), [3, 0, 1, 4])
        XCTAssertEqual(Array(raster.firing(at: 5)), [0, 3])
        XCTAssertEqual(raster.spikeTimes(), times.map { $0.map(Int32.init) })
        let trains = SpikeTrains(raster)
        XCTAssertEqual(trains.count(of: 3), 4)
        XCTAssertEqual(Array(trains.times[Int(trains.starts[3])..<Int(trains.starts[4])]), [5, 6, 7, 8])
        XCTAssertEqual(trains.count(of: 1), 0)
    }
}
