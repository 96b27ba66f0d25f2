import SpikeModel

/// The parameters of a NIR `Conv2d`, `SumPool2d` or `AvgPool2d` node that hm2bp's spatial
/// layers can hold (algorithm section 4.5: square kernels, valid convolution with stride 1, no
/// bias, no dilation or groups; pooling P x P with stride P, no padding), or every reason why not
/// (docs/nir.md, section 2).
enum SpatialNode {
    /// Conv2d: `weight` (C_out, C_in, kH, kW) in NIR's (and PyTorch's) cross-correlation order,
    /// which is hm2bp's (kernel, channel, row, column) order element for element.
    case convolution(kernels: Int, channels: Int, size: Int, weights: [Double], inputShape: [Int]?)
    /// SumPool2d (window weight 1) or AvgPool2d (window weight 1/P^2).
    case pooling(size: Int, average: Bool)

    static let types: Set<String> = ["Conv2d", "SumPool2d", "AvgPool2d"]

    /// Reads and checks one node, reporting every parameter hm2bp cannot hold.
    init?(_ node: NIRNode, problem: (String, String) -> Void) {
        var ok = true
        func fail(_ reason: String) { problem(node.name, reason); ok = false }
        /// A per-axis integer parameter (scalar or one value per axis) that must equal `required`.
        func axes(_ name: String, default value: Int?) -> [Double]? {
            guard let array = node.numbers(name) else {
                if let value { return [Double(value), Double(value)] }
                fail("field \(name) is missing"); return nil
            }
            guard array.values.count == 1 || array.values.count == 2, array.values.allSatisfy({ $0.isFinite }) else {
                fail("field \(name) must hold one or two numbers (got \(array.values.count))"); return nil
            }
            return array.values.count == 1 ? [array.values[0], array.values[0]] : array.values
        }
        func text(_ values: [Double]) -> String { values.map { Int(exactly: $0).map(String.init) ?? String($0) }.joined(separator: " x ") }
        switch node.type {
        case "Conv2d":
            guard let weight = node.numbers("weight"), weight.shape.count == 4, weight.shape.allSatisfy({ $0 >= 1 }) else {
                fail("field weight must be a 4-D array (out channels, in channels, kernel rows, kernel columns)"); return nil
            }
            let (kernels, channels, rows, columns) = (weight.shape[0], weight.shape[1], weight.shape[2], weight.shape[3])
            if rows != columns { fail("kernel \(rows) x \(columns) is not square; hm2bp convolutions have square kernels") }
            if !weight.values.allSatisfy(\.isFinite) { fail("weight holds a non-finite value") }
            if let stride = axes("stride", default: 1), stride != [1, 1] {
                fail("stride \(text(stride)); hm2bp convolutions have stride 1")
            }
            if case .text(let padding, _)? = node.fields["padding"] {
                // "valid" is no padding; "same" pads unless the kernel is 1 x 1.
                if !(padding == ["valid"] || (padding == ["same"] && rows == 1 && columns == 1)) {
                    fail("padding '\(padding.joined())'; hm2bp convolutions are 'valid' (padding 0)")
                }
            } else if let padding = axes("padding", default: 0), padding != [0, 0] {
                fail("padding \(text(padding)); hm2bp convolutions are 'valid' (padding 0)")
            }
            if let dilation = axes("dilation", default: 1), dilation != [1, 1] {
                fail("dilation \(text(dilation)); hm2bp convolutions have dilation 1")
            }
            if let groups = node.numbers("groups"), groups.values != [1] {
                fail("groups \(groups.values.map { String($0) }.joined(separator: ", ")); hm2bp convolutions connect every input channel (groups 1)")
            }
            if let bias = node.numbers("bias") {
                if bias.values.count != kernels {
                    fail("bias has \(bias.values.count) values for \(kernels) output channels")
                } else if bias.values.contains(where: { $0 != 0 }) {
                    fail("bias is non-zero (\(bias.values.filter { $0 != 0 }.count) of \(kernels)); hm2bp neurons have no bias current")
                }
            }
            var inputShape: [Int]?
            if let shape = node.numbers("input_shape") {
                guard shape.values.count == 2, shape.values.allSatisfy({ $0 >= 1 && $0 <= Double(Architecture.maximumSide) && $0 == $0.rounded() }) else {
                    fail("field input_shape must be two map sides 1 ... \(Architecture.maximumSide)"); return nil
                }
                inputShape = shape.values.map { Int($0) }
            }
            guard ok else { return nil }
            self = .convolution(kernels: kernels, channels: channels, size: rows, weights: weight.values, inputShape: inputShape)
        default: // SumPool2d, AvgPool2d
            let kernel = axes("kernel_size", default: nil), stride = axes("stride", default: nil)
            if let kernel {
                if kernel[0] != kernel[1] { fail("kernel_size \(text(kernel)) is not square; hm2bp pools P x P windows") }
                if !kernel.allSatisfy({ $0 >= 1 && $0 <= Double(Architecture.maximumSide) && $0 == $0.rounded() }) {
                    fail("kernel_size must be 1 ... \(Architecture.maximumSide)")
                }
                if let stride, stride != kernel {
                    fail("stride \(text(stride)) differs from kernel_size \(text(kernel)); hm2bp pools non-overlapping windows (stride = kernel)")
                }
            }
            if let padding = axes("padding", default: 0), padding != [0, 0] {
                fail("padding \(text(padding)); hm2bp pooling has no padding")
            }
            guard ok, let kernel else { return nil }
            self = .pooling(size: Int(kernel[0]), average: node.type == "AvgPool2d")
        }
    }
}
