import StrataCore

extension Tensor {
    /// A float32 copy with axes reordered: result axis `i` is this tensor's axis `perm[i]`.
    func permuted(_ perm: [Int]) throws -> Tensor {
        precondition(dtype == .float32 && perm.count == rank && Set(perm) == Set(0 ..< rank), "permuted: float32 tensor and a full permutation")
        let outShape = perm.map { shape[$0] }
        let out = try Tensor(dtype: .float32, shape: outShape)
        var inStrides = [Int](repeating: 1, count: rank)
        for i in stride(from: rank - 2, through: 0, by: -1) { inStrides[i] = inStrides[i + 1] * shape[i + 1] }
        let strides = perm.map { inStrides[$0] }
        let src = pointer(as: Float.self)
        let dst = out.pointer(as: Float.self)
        var index = [Int](repeating: 0, count: rank)
        for o in 0 ..< count {
            var offset = 0
            for a in 0 ..< rank { offset += index[a] * strides[a] }
            dst[o] = src[offset]
            var a = rank - 1
            while a >= 0 {
                index[a] += 1
                if index[a] < outShape[a] { break }
                index[a] = 0
                a -= 1
            }
        }
        return out
    }
}
