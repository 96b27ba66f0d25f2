import Foundation

/// The fresh-machine route for Fashion-MNIST: Debian's `dataset-fashion-mnist` package, fetched
/// with `apt-get download` (no root, nothing installed; apt checks the archive signature) and
/// unpacked with `dpkg-deb -x`. The package holds the four IDX files gzip'd (re-compressed by
/// Debian, hence the content MD5s rather than the published .gz MD5s).
enum FashionMNISTPackage {
    static let package = "dataset-fashion-mnist"
    static let folder = "usr/share/datasets/fashion-mnist"

    /// Downloads and unpacks the package into `staging`; returns standard name -> path (`.gz`).
    static func extract(into staging: String, log: (String) -> Void) throws -> [String: String] {
        log("downloading Debian package \(package) with apt-get download")
        try Subprocess.run(["apt-get", "download", package], in: staging,
                           dataset: "fashion-mnist", step: "apt-get download \(package)")
        let contents = (try? FileManager.default.contentsOfDirectory(atPath: staging)) ?? []
        guard let deb = contents.first(where: { $0.hasPrefix(package + "_") && $0.hasSuffix(".deb") }) else {
            throw DataError.fetchFailed(dataset: "fashion-mnist", step: "apt-get download \(package)",
                                        reason: "no \(package)_*.deb appeared in \(staging)")
        }
        log("unpacking \(deb)")
        let unpacked = staging + "/unpacked"
        try Subprocess.run(["dpkg-deb", "-x", deb, unpacked], in: staging,
                           dataset: "fashion-mnist", step: "dpkg-deb -x \(deb)")
        var extracted: [String: String] = [:]
        for file in DatasetName.fashionMNIST.files {
            let path = unpacked + "/" + folder + "/" + file.name + ".gz"
            if FileManager.default.fileExists(atPath: path) { extracted[file.name] = path }
        }
        return extracted
    }
}
