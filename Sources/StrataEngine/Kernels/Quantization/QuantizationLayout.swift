import StrataCore

/// How a scale or zero-point tensor maps onto the elements of the tensor it quantizes: one value
/// for all (per tensor), one per index of `axis` (per axis, a 1-D parameter), or one per block of
/// `blockSize` indices along `axis` (blocked, opset 21: the parameter has the data's shape except
/// `ceil(size / blockSize)` along `axis`).
struct QuantizationLayout: Sendable {
    /// Elements before, along and after the quantization axis.
    let outer: Int
    let length: Int
    let inner: Int
    let blockSize: Int?
    let perTensor: Bool

    /// The layout of a parameter of shape `parameter` for data of shape `data`; `axis` may be
    /// negative; `blockSize` 0 means not blocked. `name` names the parameter in errors.
    init(data: [Int], parameter: [Int], axis: Int, blockSize: Int, name: String, node: Node) throws {
        let count = parameter.elementCount
        perTensor = count == 1 && blockSize == 0
        if perTensor || data.isEmpty {
            guard count == 1 else {
                throw node.error("\(name) has \(count) values for a scalar input", kind: .invalidInput)
            }
            (outer, length, inner, self.blockSize) = (1, data.elementCount, 1, nil)
            return
        }
        guard (-data.count..<data.count).contains(axis) else {
            throw node.attributeError("axis", "\(axis) is out of range for rank \(data.count)", kind: .invalidInput)
        }
        let a = axis < 0 ? axis + data.count : axis
        outer = Array(data[..<a]).elementCount
        length = data[a]
        inner = Array(data[(a + 1)...]).elementCount
        if blockSize == 0 {
            self.blockSize = nil
            guard parameter.count == 1, count == length else {
                throw node.error("\(name) \(parameter) does not give one value per index of axis \(a) of \(data)", kind: .invalidInput)
            }
            return
        }
        guard blockSize > 0 else { throw node.attributeError("block_size", "must be positive, found \(blockSize)") }
        self.blockSize = blockSize
        var expected = data
        expected[a] = (length + blockSize - 1) / blockSize
        guard parameter == expected else {
            throw node.error("\(name) is \(parameter); blocks of \(blockSize) along axis \(a) of \(data) need \(expected)",
                             kind: .invalidInput)
        }
    }

    /// Calls `body(start, count, parameter, parameterStride)` for runs of consecutive elements:
    /// element `start + j` (j < count) uses parameter `parameter + j·parameterStride`.
    func forEachRun(_ body: (Int, Int, Int, Int) throws -> Void) rethrows {
        if perTensor {
            try body(0, outer * length * inner, 0, 0)
            return
        }
        for o in 0..<outer {
            for a in 0..<length {
                let start = (o * length + a) * inner
                if let blockSize {
                    let blocks = (length + blockSize - 1) / blockSize
                    try body(start, inner, (o * blocks + a / blockSize) * inner, 1)
                } else {
                    try body(start, inner, a, 0)
                }
            }
        }
    }
}
