import Foundation
import RealData
import SpikeData
import XCTest

/// Real MNIST (RealData: the mirror, or the copy fetched once into the data directory) read as a
/// mirror: nothing here fetches again, and nothing writes to the mirror.
final class DataStoreTests: XCTestCase {
    func testLoadsRealMNISTFromTheMirror() throws {
        let store = DataStore(directory: try temporaryDirectory(self), mirror: try RealData.mnistRoot)
        let test = try store.load(.mnist, split: .test)
        XCTAssertEqual(test.count, 10_000)
        XCTAssertEqual(test.rows, 28)
        XCTAssertEqual(test.columns, 28)
        XCTAssertEqual(test.pixels.count, 10_000 * 784)
        var perClass = [Int](repeating: 0, count: 10)
        for label in test.labels { perClass[Int(label)] += 1 }
        XCTAssertEqual(perClass, [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009])

        let train = try store.load(.mnist, split: .train, limit: 300)
        XCTAssertEqual(train.count, 300)
        XCTAssertEqual(train.pixels.count, 300 * 784)
        XCTAssertEqual(Array(train.labels.prefix(8)), [5, 0, 4, 1, 9, 2, 1, 3])
        // Image 0 (a 5): its pixels are 0 at the border and reach full intensity inside.
        XCTAssertEqual(train.image(0).prefix(28).max(), 0)
        XCTAssertEqual(train.image(0).max(), 255)
    }

    func testFullTrainingSetAndFetchReportMirrorPaths() throws {
        let dataDir = try temporaryDirectory(self)
        let store = DataStore(directory: dataDir, mirror: try RealData.mnistRoot)
        var messages: [String] = []
        let paths = try store.fetch(.mnist) { messages.append($0) }
        XCTAssertEqual(paths, try ["train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
                                   "t10k-labels-idx1-ubyte"].map(RealData.mnistFile))
        XCTAssertEqual(messages.filter { $0.contains("MD5 verified") }.count, 4)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dataDir), [], "mirror hits must not be copied")
        XCTAssertEqual(try store.load(.mnist, split: .train).count, 60_000)
    }

    func testTamperedFileFailsTheChecksumAndNamesIt() throws {
        // A copy of the real mirror whose test labels have one label changed (still valid IDX).
        let mirror = try temporaryDirectory(self)
        try FileManager.default.createDirectory(atPath: mirror + "/mnist", withIntermediateDirectories: true)
        for name in ["train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte"] {
            let real = try RealData.mnistFile(name)
            try FileManager.default.createSymbolicLink(atPath: mirror + "/mnist/" + (real as NSString).lastPathComponent,
                                                       withDestinationPath: real)
        }
        var labels = try FileBytes.read(RealData.mnistFile("t10k-labels-idx1-ubyte"))
        labels[8] = labels[8] == 7 ? 1 : 7
        let tampered = mirror + "/mnist/t10k-labels-idx1-ubyte.gz"
        try writeGzip(tampered, labels)

        let store = DataStore(directory: try temporaryDirectory(self), mirror: mirror)
        assertThrowsNaming(tampered, "bad checksum: MD5") { _ = try store.load(.mnist, split: .test) }
        XCTAssertEqual(try store.load(.mnist, split: .train, limit: 5).count, 5, "the intact split still loads")
    }

    func testLoadsUncompressedCopiesFromTheDataDirectory() throws {
        // The layout the wheel route leaves: plain IDX files under <dir>/mnist, no mirror.
        let dataDir = try temporaryDirectory(self)
        try FileManager.default.createDirectory(atPath: dataDir + "/mnist", withIntermediateDirectories: true)
        for name in ["t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"] {
            try writeFile(dataDir + "/mnist/" + name, FileBytes.read(RealData.mnistFile(name)))
        }
        let emptyMirror = try temporaryDirectory(self)
        let test = try DataStore(directory: dataDir, mirror: emptyMirror).load(.mnist, split: .test, limit: 1000)
        XCTAssertEqual(test.count, 1000)
        XCTAssertEqual(Array(test.labels.prefix(5)), [7, 2, 1, 0, 4])
    }

    func testEnvironmentSuppliesDefaults() {
        let environment = ProcessInfo.processInfo.environment
        let store = DataStore()
        if let dir = environment["HM2BP_DATA_DIR"], !dir.isEmpty {
            XCTAssertEqual(store.directory, dir)
        } else {
            XCTAssertTrue(store.directory.hasSuffix("/.cache/hm2bp/data"))
        }
        XCTAssertEqual(DataStore(directory: "/x", mirror: "/m").directory, "/x")
        XCTAssertEqual(DataStore(directory: "/x", mirror: "/m").mirror, "/m")
        XCTAssertEqual(DataStore(directory: "/x").datasetDirectory(.fashionMNIST), "/x/fashion-mnist")
    }
}
