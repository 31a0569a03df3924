import StrataCore

/// Index tensors of the gather ops, read into checked non-negative positions.
enum IndexList {
    /// `tensor`'s values with negative ones counted from `size`; any index outside
    /// `[-size, size)` is an input error at `node`.
    static func resolve(_ tensor: Tensor, size: Int, node: Node) throws -> [Int] {
        guard tensor.dtype == .int64 || tensor.dtype == .int32 else {
            throw node.error("indices must be int32 or int64, found \(tensor.dtype.rawValue)", kind: .invalidInput)
        }
        var out = tensor.ints()
        for k in out.indices {
            let i = out[k]
            let r = i < 0 ? i + size : i
            guard r >= 0 && r < size else {
                throw node.error("index \(i) is out of range for an axis of size \(size)", kind: .invalidInput)
            }
            out[k] = r
        }
        return out
    }
}
