import Foundation
import SpikeData
import SpikeModel
import XCTest

/// The N-MNIST folder reader on folders laid out like the official archives, every file a copy
/// of the one real recording (Fixtures/sample_nmnist.bin), or damaged on purpose.
final class NMNISTFolderTests: XCTestCase {
    let sample = fixture("sample_nmnist.bin")

    /// ROOT/Train/<d>/ and ROOT/Test/<d>/ with `names(d)` copies of the recording.
    func makeFolder(train names: (Int) -> [String] = { _ in ["00001.bin"] }, test: (Int) -> [String] = { _ in ["00001.bin"] }) throws -> String {
        let root = try temporaryDirectory(self)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: sample))
        for split in ["Train", "Test"] {
            for digit in 0...9 {
                let folder = "\(root)/\(split)/\(digit)"
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
                for name in split == "Train" ? names(digit) : test(digit) { try bytes.write(to: URL(fileURLWithPath: folder + "/" + name)) }
            }
        }
        return root
    }

    func testOrderSortsNamesPerDigitAndTakesTheDigitsInTurn() throws {
        // Digit 3 has three files in an order the file system may return differently; digit 7 two.
        let root = try makeFolder(train: { digit in
            digit == 3 ? ["b.bin", "10.bin", "a.bin"] : digit == 7 ? ["00002.bin", "00001.bin"] : ["00001.bin"]
        })
        let entries = try NMNISTFolder(root: root).entries(.train)
        XCTAssertEqual(entries.map(\.label), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 3, 7, 3])
        XCTAssertEqual(entries.map { URL(fileURLWithPath: $0.path).lastPathComponent },
                       ["00001.bin", "00001.bin", "00001.bin", "10.bin", "00001.bin", "00001.bin", "00001.bin", "00001.bin", "00001.bin", "00001.bin",
                        "a.bin", "00002.bin", "b.bin"])
        XCTAssertEqual(entries[3].path, root + "/Train/3/10.bin")
        XCTAssertTrue(entries.allSatisfy { $0.bytes == 21_625 })
        XCTAssertEqual(try NMNISTFolder(root: root).entries(.test).count, 10)
    }

    func testLoadConvertsEveryRecordingAsTheSingleFileReader() throws {
        let root = try makeFolder(train: { $0 == 0 ? ["00001.bin", "00002.bin"] : ["00001.bin"] })
        let expected = try NMNIST.loadRaster(path: sample)
        let all = try NMNISTFolder(root: root).load(.train)
        XCTAssertEqual(all.count, 11)
        XCTAssertEqual(all.labels, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0])
        XCTAssertEqual(all.timeSteps, 540)
        XCTAssertTrue(all.rasters.allSatisfy { $0 == expected })
        XCTAssertEqual(all.rasters[0].totalSpikes, 4296)
        XCTAssertEqual(all.files.last, root + "/Train/0/00002.bin")

        let first = try NMNISTFolder(root: root).load(.train, limit: 4, timeSteps: 100)
        XCTAssertEqual(first.labels, [0, 1, 2, 3])
        XCTAssertEqual(first.rasters.map(\.totalSpikes), [878, 878, 878, 878], "the window of 100 bins keeps 878 spikes")
        XCTAssertEqual(first.suffix(from: 2).labels, [2, 3])
        XCTAssertEqual(first.prefix(1).files, [root + "/Train/0/00001.bin"])
    }

    func testAMissingFolderIsNamed() throws {
        let root = try makeFolder()
        assertThrowsNaming(root + "/nothing", "does not exist") { _ = try NMNISTFolder(root: root + "/nothing").entries(.train) }
        assertThrowsNaming(sample, "is not a folder") { _ = try NMNISTFolder(root: sample).entries(.train) }
        try FileManager.default.removeItem(atPath: root + "/Test")
        XCTAssertEqual(try NMNISTFolder(root: root).entries(.train).count, 10, "Train alone reads")
        assertThrowsNaming(root + "/Test", "is missing") { _ = try NMNISTFolder(root: root).load(.test) }
        try writeFile(root + "/Test.zip", [0x50, 0x4B])
        assertThrowsNaming(root + "/Test", "unzip Test.zip there first") { _ = try NMNISTFolder(root: root).entries(.test) }
        try FileManager.default.removeItem(atPath: root + "/Train/7")
        assertThrowsNaming(root + "/Train/7", "is missing") { _ = try NMNISTFolder(root: root).entries(.train) }
    }

    func testAnythingButDigitFoldersOfBinFilesIsRefused() throws {
        let root = try makeFolder()
        try writeFile(root + "/Train/README.txt", [])
        assertThrowsNaming(root + "/Train/README.txt", "not a digit folder") { _ = try NMNISTFolder(root: root).entries(.train) }
        try FileManager.default.removeItem(atPath: root + "/Train/README.txt")

        try writeFile(root + "/Train/4/.DS_Store", [1, 2, 3])
        assertThrowsNaming(root + "/Train/4/.DS_Store", "only .bin") { _ = try NMNISTFolder(root: root).entries(.train) }
        try FileManager.default.removeItem(atPath: root + "/Train/4/.DS_Store")

        try FileManager.default.createDirectory(atPath: root + "/Train/5/nested.bin", withIntermediateDirectories: true)
        assertThrowsNaming(root + "/Train/5/nested.bin", "not a regular file") { _ = try NMNISTFolder(root: root).entries(.train) }
        try FileManager.default.removeItem(atPath: root + "/Train/5/nested.bin")

        try FileManager.default.removeItem(atPath: root + "/Train/6/00001.bin")
        assertThrowsNaming(root + "/Train/6", "holds no recordings") { _ = try NMNISTFolder(root: root).entries(.train) }
    }

    func testBadLengthsAndLimitsAreNamed() throws {
        let root = try makeFolder(train: { _ in ["00001.bin", "00002.bin"] })
        let truncated = root + "/Train/2/00002.bin"
        try writeFile(truncated, Array(try Data(contentsOf: URL(fileURLWithPath: sample)).dropLast()))
        assertThrowsNaming(truncated, "21624 bytes is not a whole number of 5-byte ATIS events") { _ = try NMNISTFolder(root: root).entries(.train) }
        try writeFile(truncated, [UInt8](repeating: 0, count: 30))

        let small = NMNISTFolder.Limits(filesPerSplit: 19, fileBytes: 21_625, eventsPerSplit: 4325 * 3)
        assertThrowsNaming(root + "/Train", "more than 19 recordings") { _ = try NMNISTFolder(root: root, limits: small).entries(.train) }
        var roomy = small
        roomy.filesPerSplit = 20
        XCTAssertEqual(try NMNISTFolder(root: root, limits: roomy).load(.train, limit: 3).count, 3, "3 x 4,325 events are within the limit")
        assertThrowsNaming(root + "/Train", "more than the limit of 12975") { _ = try NMNISTFolder(root: root, limits: roomy).load(.train, limit: 4) }
        roomy.fileBytes = 21_620
        assertThrowsNaming(root + "/Train/0/00001.bin", "larger than 21620 bytes") { _ = try NMNISTFolder(root: root, limits: roomy).entries(.train) }
        XCTAssertEqual(NMNISTFolder.Limits.standard, NMNISTFolder.Limits(filesPerSplit: 100_000, fileBytes: 1 << 20, eventsPerSplit: 1 << 29))
    }

    func testTheDataStoreDoesNotFetchNMNIST() {
        let store = DataStore(directory: NSTemporaryDirectory() + "hm2bp-unused-" + UUID().uuidString)
        assertThrowsNaming("nmnist", "--data DIR") { _ = try store.load(.nmnist, split: .test) }
        assertThrowsNaming("nmnist", "not fetched") { _ = try store.fetch(.nmnist) }
        XCTAssertFalse(DatasetName.nmnist.isFetched)
        XCTAssertTrue(DatasetName.mnist.isFetched)
    }
}
