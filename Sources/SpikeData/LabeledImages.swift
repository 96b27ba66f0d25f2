/// A set of equally sized 8-bit grey images with one class label each.
public struct LabeledImages: Sendable {
    public let count: Int
    public let rows: Int
    public let columns: Int
    /// count*rows*columns bytes, row-major per image.
    public let pixels: [UInt8]
    public let labels: [UInt8]

    public var pixelsPerImage: Int { rows * columns }

    public init(rows: Int, columns: Int, pixels: [UInt8], labels: [UInt8]) {
        precondition(rows > 0 && columns > 0 && pixels.count == labels.count * rows * columns,
                     "pixels must hold labels.count images of rows*columns bytes")
        self.count = labels.count
        self.rows = rows
        self.columns = columns
        self.pixels = pixels
        self.labels = labels
    }

    /// Reads an IDX3 image file and its IDX1 label file (each raw or gzip'd) and checks that they agree.
    public init(imagesFile: String, labelsFile: String) throws {
        let images = try IDXFile.parseImages(FileBytes.read(imagesFile), file: imagesFile)
        let labels = try IDXFile.parseLabels(FileBytes.read(labelsFile), file: labelsFile)
        try self.init(images: images, imagesFile: imagesFile, labels: labels, labelsFile: labelsFile)
    }

    init(images: IDXFile.Images, imagesFile: String, labels: [UInt8], labelsFile: String) throws {
        guard images.count == labels.count else {
            throw DataError.countMismatch(imagesFile: imagesFile, images: images.count,
                                          labelsFile: labelsFile, labels: labels.count)
        }
        self.init(rows: images.rows, columns: images.columns, pixels: images.pixels, labels: labels)
    }

    /// The pixels of image i.
    public func image(_ i: Int) -> ArraySlice<UInt8> {
        precondition(i >= 0 && i < count, "image index \(i) outside 0..<\(count)")
        return pixels[(i * pixelsPerImage)..<((i + 1) * pixelsPerImage)]
    }

    /// The images from index `start` on (none when start >= count).
    public func suffix(from start: Int) -> LabeledImages {
        let first = max(0, min(start, count))
        return LabeledImages(rows: rows, columns: columns, pixels: Array(pixels[(first * pixelsPerImage)...]), labels: Array(labels[first...]))
    }

    /// The first n images (all of them when n >= count).
    public func prefix(_ n: Int) -> LabeledImages {
        let kept = max(0, min(n, count))
        if kept == count { return self }
        return LabeledImages(rows: rows, columns: columns,
                             pixels: Array(pixels[0..<(kept * pixelsPerImage)]), labels: Array(labels[0..<kept]))
    }
}
