import CHDF5
import Foundation
import SpikeModel

/// Reads and writes NIR graphs through the HDF5 C library (layout: docs/nir.md).
///
/// File layout (the reference `nir` package's): a root dataset `version` (string) and a group
/// `node` holding `type` = "NIRGraph", a group `nodes` with one group per node (its `type`
/// string and one dataset per parameter), a dataset `edges` of (source, target) name pairs and
/// an optional `metadata` group. Sizes are checked before anything is allocated.
public enum NIRFile {
    /// Largest dataset hm2bp reads (elements); a dense layer of 8192 x 8192 weights fits.
    public static let maximumElements = 1 << 26
    /// Largest rank of a dataset.
    public static let maximumRank = 8
    /// Most nodes, edges or metadata entries in one graph.
    public static let maximumEntries = 10_000

    public static func read(path: String) throws -> NIRGraph {
        try HDF5.locked {
            guard FileManager.default.isReadableFile(atPath: path) else {
                throw NIRError.file(path: path, reason: "cannot read the file (missing or unreadable)")
            }
            guard H5Fis_hdf5(path) > 0 else {
                throw NIRError.file(path: path, reason: "not a NIR file (NIR graphs are HDF5 files; this one has no HDF5 signature)")
            }
            let file = H5Fopen(path, hm2bp_h5f_acc_rdonly(), hm2bp_h5p_default())
            guard file >= 0 else { throw NIRError.file(path: path, reason: "HDF5 cannot open the file (damaged or truncated)") }
            defer { H5Fclose(file) }
            let reader = Reader(path: path)
            let version = try reader.optionalString(file, "version", where: "version") ?? "unknown"
            guard let root = reader.openGroup(file, "node") else {
                throw NIRError.file(path: path, reason: "no group 'node' (not a NIR graph file)")
            }
            defer { H5Gclose(root) }
            let rootType = try reader.optionalString(root, "type", where: "node/type")
            guard rootType == "NIRGraph" else {
                throw NIRError.file(path: path, reason: "node/type is \(rootType.map { "'\($0)'" } ?? "missing"); expected 'NIRGraph'")
            }
            guard let nodesGroup = reader.openGroup(root, "nodes") else {
                throw NIRError.file(path: path, reason: "no group node/nodes")
            }
            defer { H5Gclose(nodesGroup) }
            var nodes: [NIRNode] = []
            for name in try reader.members(nodesGroup, where: "node/nodes") {
                guard let group = reader.openGroup(nodesGroup, name) else {
                    throw NIRError.file(path: path, reason: "node/nodes/\(name) is not a group")
                }
                defer { H5Gclose(group) }
                nodes.append(try reader.node(group, name: name))
            }
            var edges: [NIREdge] = []
            if H5Lexists(root, "edges", hm2bp_h5p_default()) > 0 {
                guard case .text(let names, let shape) = try reader.dataset(root, "edges", where: "node/edges") else {
                    throw NIRError.file(path: path, reason: "node/edges must hold node names (strings)")
                }
                guard names.isEmpty || (shape.count == 2 && shape[1] == 2) else {
                    throw NIRError.file(path: path, reason: "node/edges has shape \(shape); expected (edges, 2)")
                }
                edges = stride(from: 0, to: names.count, by: 2).map { NIREdge(names[$0], names[$0 + 1]) }
            }
            let metadata = try reader.metadata(root, where: "node/metadata")
            return NIRGraph(version: version, nodes: nodes, edges: edges, metadata: metadata)
        }
    }

    /// Writes atomically: a temporary HDF5 file beside the target, then a rename.
    public static func write(_ graph: NIRGraph, to path: String) throws {
        let url = URL(fileURLWithPath: path)
        let directory = url.deletingLastPathComponent()
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let temporary = directory.appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))").path
        do {
            try HDF5.locked { try writeFile(graph, to: temporary, naming: path) }
            guard rename(temporary, path) == 0 else {
                throw NIRError.file(path: path, reason: "cannot rename the temporary file into place (errno \(errno))")
            }
        } catch {
            try? FileManager.default.removeItem(atPath: temporary)
            throw error
        }
    }

    private static func writeFile(_ graph: NIRGraph, to temporary: String, naming path: String) throws {
        let file = H5Fcreate(temporary, hm2bp_h5f_acc_excl(), hm2bp_h5p_default(), hm2bp_h5p_default())
        guard file >= 0 else { throw NIRError.file(path: path, reason: "HDF5 cannot create the file") }
        var closed = false
        defer { if !closed { H5Fclose(file) } }
        let writer = Writer(path: path)
        try writer.write(.string(graph.version), named: "version", in: file)
        let root = try writer.createGroup("node", in: file)
        defer { H5Gclose(root) }
        try writer.write(.string("NIRGraph"), named: "type", in: root)
        let nodes = try writer.createGroup("nodes", in: root)
        defer { H5Gclose(nodes) }
        for node in graph.nodes {
            let group = try writer.createGroup(node.name, in: nodes)
            defer { H5Gclose(group) }
            try writer.write(.string(node.type), named: "type", in: group)
            for (name, value) in node.fields.sorted(by: { $0.key < $1.key }) {
                try writer.write(value, named: name, in: group)
            }
        }
        let names = graph.edges.flatMap { [$0.source, $0.target] }
        try writer.write(.text(names, shape: [graph.edges.count, 2]), named: "edges", in: root)
        if !graph.metadata.isEmpty {
            let metadata = try writer.createGroup("metadata", in: root)
            defer { H5Gclose(metadata) }
            for (name, value) in graph.metadata.sorted(by: { $0.key < $1.key }) {
                try writer.write(value, named: name, in: metadata)
            }
        }
        closed = true
        guard H5Fclose(file) >= 0 else { throw NIRError.file(path: path, reason: "HDF5 could not finish writing the file") }
    }
}

/// Everything that goes wrong reading, importing or exporting NIR, naming the file.
public enum NIRError: Error, CustomStringConvertible, Equatable {
    /// The file cannot be read or written as a NIR graph.
    case file(path: String, reason: String)
    /// The graph is valid NIR but hm2bp cannot represent it: every problem, by node.
    case unrepresentable(path: String, problems: [NIRProblem])
    /// The model uses what NIR has no node for (export): every such part, by layer.
    case inexpressible(path: String, problems: [NIRProblem])
    /// A setting the graph does not record and the caller did not give (e.g. dt).
    case missingSetting(path: String, reason: String)

    public var description: String {
        switch self {
        case .file(let path, let reason), .missingSetting(let path, let reason):
            return "\(path): \(reason)"
        case .unrepresentable(let path, let problems):
            return "\(path): hm2bp cannot represent this graph \(Self.listing(problems))"
        case .inexpressible(let path, let problems):
            return "\(path): NIR cannot express this model \(Self.listing(problems))"
        }
    }
}

extension NIRError {
    static func listing(_ problems: [NIRProblem]) -> String {
        "(\(problems.count) problem\(problems.count == 1 ? "" : "s")):\n" + problems.map { "  \($0)" }.joined(separator: "\n")
    }
}

/// One reason a graph (or model) cannot be converted, tied to the node (or layer) it concerns.
public struct NIRProblem: Equatable, Sendable, Codable, CustomStringConvertible {
    public var node: String
    public var reason: String
    public init(node: String, reason: String) {
        self.node = node
        self.reason = reason
    }
    public var description: String { "\(node): \(reason)" }
}

/// HDF5 handles are process-global and the serial library is not thread safe: every use goes
/// through one lock, and the library's own error printing is switched off (errors are reported
/// by hm2bp with the file and field instead).
enum HDF5 {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var quieted = false

    static func locked<T>(_ body: () throws -> T) throws -> T {
        lock.lock()
        defer { lock.unlock() }
        if !quieted {
            H5Eset_auto2(hm2bp_h5e_default(), nil, nil)
            quieted = true
        }
        return try body()
    }
}

/// Reads groups and datasets, checking every size against the limits first.
private struct Reader {
    let path: String

    func fail(_ reason: String) -> NIRError { .file(path: path, reason: reason) }

    func openGroup(_ parent: hid_t, _ name: String) -> hid_t? {
        guard H5Lexists(parent, name, hm2bp_h5p_default()) > 0 else { return nil }
        let object = H5Oopen(parent, name, hm2bp_h5p_default())
        guard object >= 0 else { return nil }
        if H5Iget_type(object) == H5I_GROUP { return object }
        H5Oclose(object)
        return nil
    }

    func isGroup(_ parent: hid_t, _ name: String) -> Bool {
        guard let group = openGroup(parent, name) else { return false }
        H5Gclose(group)
        return true
    }

    /// Member names of a group, in HDF5's name order.
    func members(_ group: hid_t, where place: String) throws -> [String] {
        var info = H5G_info_t()
        guard H5Gget_info(group, &info) >= 0 else { throw fail("\(place): cannot list the group") }
        guard info.nlinks <= UInt64(NIRFile.maximumEntries) else {
            throw fail("\(place): \(info.nlinks) members exceed the limit of \(NIRFile.maximumEntries)")
        }
        var names: [String] = []
        for index in 0..<info.nlinks {
            let length = H5Lget_name_by_idx(group, ".", H5_INDEX_NAME, H5_ITER_INC, index, nil, 0, hm2bp_h5p_default())
            guard length >= 0, length < 4096 else { throw fail("\(place): member \(index) has no readable name") }
            var buffer = [CChar](repeating: 0, count: Int(length) + 1)
            H5Lget_name_by_idx(group, ".", H5_INDEX_NAME, H5_ITER_INC, index, &buffer, buffer.count, hm2bp_h5p_default())
            names.append(String(decoding: buffer.prefix(Int(length)).map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        return names
    }

    func optionalString(_ parent: hid_t, _ name: String, where place: String) throws -> String? {
        guard H5Lexists(parent, name, hm2bp_h5p_default()) > 0, !isGroup(parent, name) else { return nil }
        guard let text = try dataset(parent, name, where: place).string else {
            throw fail("\(place) must be a single string")
        }
        return text
    }

    func node(_ group: hid_t, name: String) throws -> NIRNode {
        var fields: [String: NIRValue] = [:]
        var type: String?
        var hasSubgroups = false
        for member in try members(group, where: "node/nodes/\(name)") {
            let place = "node/nodes/\(name)/\(member)"
            if isGroup(group, member) {
                if member != "metadata" { hasSubgroups = true }
                continue
            }
            let value = try dataset(group, member, where: place)
            if member == "type" {
                guard let text = value.string else { throw fail("\(place) must be a single string") }
                type = text
            } else {
                fields[member] = value
            }
        }
        guard let type else { throw fail("node/nodes/\(name) has no 'type'") }
        return NIRNode(name: name, type: type, fields: fields, hasSubgroups: hasSubgroups)
    }

    func metadata(_ parent: hid_t, where place: String) throws -> [String: NIRValue] {
        guard let group = openGroup(parent, "metadata") else { return [:] }
        defer { H5Gclose(group) }
        var values: [String: NIRValue] = [:]
        for member in try members(group, where: place) where !isGroup(group, member) {
            values[member] = try dataset(group, member, where: "\(place)/\(member)")
        }
        return values
    }

    /// One dataset: numbers of any integer or float type, or strings (fixed or variable length).
    func dataset(_ parent: hid_t, _ name: String, where place: String) throws -> NIRValue {
        let dataset = H5Dopen2(parent, name, hm2bp_h5p_default())
        guard dataset >= 0 else { throw fail("\(place): cannot open the dataset") }
        defer { H5Dclose(dataset) }
        let space = H5Dget_space(dataset)
        guard space >= 0 else { throw fail("\(place): cannot read the dataset's shape") }
        defer { H5Sclose(space) }
        let rank = H5Sget_simple_extent_ndims(space)
        guard rank >= 0, rank <= NIRFile.maximumRank else { throw fail("\(place): rank \(rank) is outside 0 ... \(NIRFile.maximumRank)") }
        var dims = [hsize_t](repeating: 0, count: Int(rank))
        if rank > 0 { H5Sget_simple_extent_dims(space, &dims, nil) }
        var count = 1
        for d in dims {
            guard d <= UInt64(NIRFile.maximumElements) else { throw fail("\(place): dimension \(d) exceeds \(NIRFile.maximumElements)") }
            let (product, overflow) = count.multipliedReportingOverflow(by: Int(d))
            guard !overflow, product <= NIRFile.maximumElements else {
                throw fail("\(place): more than \(NIRFile.maximumElements) elements (shape \(dims))")
            }
            count = product
        }
        let shape = dims.map { Int($0) }
        let fileType = H5Dget_type(dataset)
        guard fileType >= 0 else { throw fail("\(place): cannot read the element type") }
        defer { H5Tclose(fileType) }
        switch H5Tget_class(fileType) {
        case H5T_INTEGER, H5T_FLOAT:
            let isFloat = H5Tget_class(fileType) == H5T_FLOAT
            let element: NIRArray.Element = !isFloat ? .int64 : (H5Tget_size(fileType) <= 4 ? .float32 : .float64)
            var values = [Double](repeating: 0, count: count)
            if count > 0 {
                guard H5Dread(dataset, hm2bp_h5t_native_double(), hm2bp_h5s_all(), hm2bp_h5s_all(), hm2bp_h5p_default(), &values) >= 0 else {
                    throw fail("\(place): HDF5 cannot read the numbers (damaged data)")
                }
            }
            return .numbers(NIRArray(shape: shape, values: values, element: element))
        case H5T_STRING:
            return .text(try strings(dataset, space: space, fileType: fileType, count: count, where: place), shape: shape)
        default:
            throw fail("\(place): unsupported HDF5 element type (expected numbers or strings)")
        }
    }

    private func strings(_ dataset: hid_t, space: hid_t, fileType: hid_t, count: Int, where place: String) throws -> [String] {
        guard count > 0 else { return [] }
        let memoryType = H5Tcopy(hm2bp_h5t_c_s1())
        defer { H5Tclose(memoryType) }
        H5Tset_cset(memoryType, H5Tget_cset(fileType))
        if H5Tis_variable_str(fileType) > 0 {
            H5Tset_size(memoryType, hm2bp_h5t_variable())
            var pointers = [UnsafeMutablePointer<CChar>?](repeating: nil, count: count)
            guard H5Dread(dataset, memoryType, hm2bp_h5s_all(), hm2bp_h5s_all(), hm2bp_h5p_default(), &pointers) >= 0 else {
                throw fail("\(place): HDF5 cannot read the strings (damaged data)")
            }
            let texts = pointers.map { $0.map { String(cString: $0) } ?? "" }
            _ = pointers.withUnsafeMutableBytes { hm2bp_h5_reclaim(memoryType, space, $0.baseAddress) }
            return texts
        }
        let width = H5Tget_size(fileType)
        guard width > 0, width <= 1 << 16, count <= (1 << 28) / width else {
            throw fail("\(place): \(count) strings of \(width) bytes exceed the supported 256 MiB")
        }
        H5Tset_size(memoryType, width)
        var bytes = [UInt8](repeating: 0, count: count * width)
        guard H5Dread(dataset, memoryType, hm2bp_h5s_all(), hm2bp_h5s_all(), hm2bp_h5p_default(), &bytes) >= 0 else {
            throw fail("\(place): HDF5 cannot read the strings (damaged data)")
        }
        return (0..<count).map { index in
            let slice = bytes[(index * width)..<((index + 1) * width)]
            return String(decoding: slice.prefix { $0 != 0 }, as: UTF8.self)
        }
    }
}

/// Creates groups and datasets in the layout the `nir` package reads.
private struct Writer {
    let path: String

    func fail(_ reason: String) -> NIRError { .file(path: path, reason: reason) }

    func createGroup(_ name: String, in parent: hid_t) throws -> hid_t {
        let group = H5Gcreate2(parent, name, hm2bp_h5p_default(), hm2bp_h5p_default(), hm2bp_h5p_default())
        guard group >= 0 else { throw fail("HDF5 cannot create the group '\(name)'") }
        return group
    }

    func write(_ value: NIRValue, named name: String, in parent: hid_t) throws {
        let shape: [Int]
        switch value {
        case .numbers(let array): shape = array.shape
        case .text(_, let textShape): shape = textShape
        }
        let dims = shape.map { hsize_t($0) }
        let space = dims.isEmpty ? H5Screate(H5S_SCALAR) : H5Screate_simple(Int32(dims.count), dims, nil)
        guard space >= 0 else { throw fail("HDF5 cannot describe the shape of '\(name)'") }
        defer { H5Sclose(space) }
        switch value {
        case .numbers(let array):
            let fileType: hid_t
            switch array.element {
            case .float32: fileType = hm2bp_h5t_ieee_f32le()
            case .float64: fileType = hm2bp_h5t_ieee_f64le()
            case .int64: fileType = hm2bp_h5t_std_i64le()
            }
            let dataset = H5Dcreate2(parent, name, fileType, space, hm2bp_h5p_default(), hm2bp_h5p_default(), hm2bp_h5p_default())
            guard dataset >= 0 else { throw fail("HDF5 cannot create the dataset '\(name)'") }
            defer { H5Dclose(dataset) }
            let status: herr_t
            if array.element == .int64 {
                let integers = array.values.map { Int64($0) }
                status = integers.isEmpty ? 0 : H5Dwrite(dataset, hm2bp_h5t_native_int64(), hm2bp_h5s_all(), hm2bp_h5s_all(), hm2bp_h5p_default(), integers)
            } else {
                status = array.values.isEmpty ? 0 : H5Dwrite(dataset, hm2bp_h5t_native_double(), hm2bp_h5s_all(), hm2bp_h5s_all(), hm2bp_h5p_default(), array.values)
            }
            guard status >= 0 else { throw fail("HDF5 cannot write the dataset '\(name)'") }
        case .text(let texts, _):
            // Variable-length UTF-8 strings, as h5py's string_dtype() writes them.
            let stringType = H5Tcopy(hm2bp_h5t_c_s1())
            defer { H5Tclose(stringType) }
            H5Tset_size(stringType, hm2bp_h5t_variable())
            H5Tset_cset(stringType, H5T_CSET_UTF8)
            let dataset = H5Dcreate2(parent, name, stringType, space, hm2bp_h5p_default(), hm2bp_h5p_default(), hm2bp_h5p_default())
            guard dataset >= 0 else { throw fail("HDF5 cannot create the dataset '\(name)'") }
            defer { H5Dclose(dataset) }
            let copies = texts.map { strdup($0) }
            defer { copies.forEach { free($0) } }
            let pointers: [UnsafePointer<CChar>?] = copies.map { $0.map { UnsafePointer($0) } }
            let status = pointers.isEmpty ? 0 : H5Dwrite(dataset, stringType, hm2bp_h5s_all(), hm2bp_h5s_all(), hm2bp_h5p_default(), pointers)
            guard status >= 0 else { throw fail("HDF5 cannot write the strings '\(name)'") }
        }
    }
}
