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

    /// The row-major element offsets (in units of the addressed slice) of the k-tuples on the
    /// last axis of `tensor` into the leading dims `dims` (k = `dims.count`); negative entries
    /// count from the end, anything outside is an input error at `node`.
    static func tupleOffsets(_ tensor: Tensor, into dims: [Int], node: Node) throws -> [Int] {
        guard tensor.dtype == .int64 || tensor.dtype == .int32 else {
            throw node.error("indices must be int32 or int64, found \(tensor.dtype.rawValue)", kind: .invalidInput)
        }
        let k = dims.count
        let values = tensor.ints()
        let tuples = tensor.shape.dropLast().reduce(1, *)
        var out = [Int](repeating: 0, count: tuples)
        for t in 0..<tuples {
            var offset = 0
            for d in 0..<k {
                let i = values[t * k + d]
                let r = i < 0 ? i + dims[d] : i
                guard r >= 0 && r < dims[d] else {
                    throw node.error("index \(i) is out of range for an axis of size \(dims[d])", kind: .invalidInput)
                }
                offset = offset * dims[d] + r
            }
            out[t] = offset
        }
        return out
    }
}
