import SpikeData
import XCTest

final class IDXFileTests: XCTestCase {
    /// Three 2x3 images with distinct pixels and labels 7, 0, 9.
    let pixels: [UInt8] = (0..<18).map { UInt8($0 * 13 % 256) }
    let labels: [UInt8] = [7, 0, 9]

    func imageFile() -> [UInt8] { IDXFile.encode(magic: IDXFile.imagesMagic, dimensions: [3, 2, 3], elements: pixels) }
    func labelFile() -> [UInt8] { IDXFile.encode(magic: IDXFile.labelsMagic, dimensions: [3], elements: labels) }

    func testRawAndGzipFilesReadTheSame() throws {
        let dir = try temporaryDirectory(self)
        try writeFile(dir + "/images", imageFile())
        try writeFile(dir + "/labels", labelFile())
        try writeGzip(dir + "/images.gz", imageFile())
        try writeGzip(dir + "/labels.gz", labelFile())
        XCTAssertNotEqual(try Data(contentsOf: URL(fileURLWithPath: dir + "/images.gz")), Data(imageFile()))

        for suffix in ["", ".gz"] {
            let set = try LabeledImages(imagesFile: dir + "/images" + suffix, labelsFile: dir + "/labels" + suffix)
            XCTAssertEqual(set.count, 3)
            XCTAssertEqual(set.rows, 2)
            XCTAssertEqual(set.columns, 3)
            XCTAssertEqual(set.pixels, pixels)
            XCTAssertEqual(set.labels, labels)
            XCTAssertEqual(Array(set.image(1)), Array(pixels[6..<12]))
            let first = set.prefix(2)
            XCTAssertEqual(first.count, 2)
            XCTAssertEqual(first.labels, [7, 0])
            XCTAssertEqual(Array(first.image(1)), Array(pixels[6..<12]))
            XCTAssertEqual(set.prefix(10).count, 3)
        }
    }

    func testTruncatedFilesNameTheFile() throws {
        let dir = try temporaryDirectory(self)
        let cutPayload = dir + "/cut-payload"
        try writeFile(cutPayload, Array(imageFile().dropLast(1)))
        assertThrowsNaming(cutPayload, "truncated") { _ = try IDXFile.parseImages(FileBytes.read(cutPayload), file: cutPayload) }

        let cutHeader = dir + "/cut-header"
        try writeFile(cutHeader, Array(imageFile().prefix(10)))
        assertThrowsNaming(cutHeader, "truncated") { _ = try IDXFile.parseImages(FileBytes.read(cutHeader), file: cutHeader) }

        // A gzip stream cut in the middle must fail in zlib, not silently yield fewer bytes.
        let whole = dir + "/whole.gz"
        try writeGzip(whole, imageFile())
        let gzBytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: whole)))
        let cutGzip = dir + "/cut.gz"
        try writeFile(cutGzip, Array(gzBytes.prefix(gzBytes.count - 6)))
        assertThrowsNaming(cutGzip, "gzip") { _ = try FileBytes.read(cutGzip) }
    }

    func testCorruptGzipChecksumNamesTheFile() throws {
        let dir = try temporaryDirectory(self)
        let path = dir + "/crc.gz"
        try writeGzip(path, imageFile())
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        bytes[bytes.count - 8] ^= 0xFF  // the CRC-32 of the gzip trailer
        try writeFile(path, bytes)
        assertThrowsNaming(path, "gzip") { _ = try FileBytes.read(path) }
    }

    func testWrongMagicNamesTheFile() throws {
        let dir = try temporaryDirectory(self)
        let path = dir + "/labels-as-images"
        try writeFile(path, labelFile())
        assertThrowsNaming(path, "wrong magic number 0x00000801, expected 0x00000803") {
            _ = try IDXFile.parseImages(FileBytes.read(path), file: path)
        }
        assertThrowsNaming(path, "wrong magic") { _ = try LabeledImages(imagesFile: path, labelsFile: path) }
    }

    func testHostileCountIsRejectedBeforeAllocation() throws {
        // Header claims 4 billion images of 255x255 pixels; the file holds 18 bytes of payload.
        let dir = try temporaryDirectory(self)
        let path = dir + "/huge.gz"
        try writeGzip(path, IDXFile.encode(magic: IDXFile.imagesMagic, dimensions: [Int(UInt32.max), 255, 255], elements: pixels))
        assertThrowsNaming(path, "bad header") { _ = try IDXFile.parseImages(FileBytes.read(path), file: path) }
        let modest = dir + "/modest"
        try writeFile(modest, IDXFile.encode(magic: IDXFile.imagesMagic, dimensions: [100_000, 28, 28], elements: pixels))
        assertThrowsNaming(modest, "truncated: header promises 78400016 bytes, file holds 34") {
            _ = try IDXFile.parseImages(FileBytes.read(modest), file: modest)
        }
    }

    func testTrailingBytesAreAnError() throws {
        let dir = try temporaryDirectory(self)
        let path = dir + "/long"
        try writeFile(path, labelFile() + [1, 2])
        assertThrowsNaming(path, "2 unexpected bytes") { _ = try IDXFile.parseLabels(FileBytes.read(path), file: path) }
    }

    func testImageAndLabelCountsMustAgree() throws {
        let dir = try temporaryDirectory(self)
        try writeFile(dir + "/images", imageFile())
        try writeFile(dir + "/labels", IDXFile.encode(magic: IDXFile.labelsMagic, dimensions: [2], elements: [1, 2]))
        assertThrowsNaming(dir + "/labels", "holds 3 images but \(dir)/labels holds 2 labels") {
            _ = try LabeledImages(imagesFile: dir + "/images", labelsFile: dir + "/labels")
        }
    }

    func testMissingFileNamesTheFile() throws {
        let path = try temporaryDirectory(self) + "/absent"
        assertThrowsNaming(path, "cannot read") { _ = try FileBytes.read(path) }
        let folder = try temporaryDirectory(self)
        assertThrowsNaming(folder, "cannot read") { _ = try FileBytes.read(folder) }
    }
}
