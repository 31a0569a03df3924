import StrataCore

extension Tensor {
    /// A float32 copy in which every slice along `axis` appears `repeats` times in a row
    /// (`numpy.repeat(t, repeats, axis)`); `repeats == 1` returns the tensor itself.
    func repeatingSlices(axis: Int, _ repeats: Int) throws -> Tensor {
        guard repeats > 1 else { return self }
        precondition(dtype == .float32 && axis >= 0 && axis < rank, "repeatingSlices: float32 tensor and an axis of it")
        let outer = shape[..<axis].reduce(1, *)
        let inner = shape[(axis + 1)...].reduce(1, *)
        var outShape = shape
        outShape[axis] *= repeats
        let out = try Tensor(dtype: .float32, shape: outShape)
        let src = pointer(as: Float.self)
        let dst = out.pointer(as: Float.self)
        var o = 0
        for a in 0 ..< outer {
            for h in 0 ..< shape[axis] {
                let start = (a * shape[axis] + h) * inner
                for _ in 0 ..< repeats {
                    for i in 0 ..< inner { dst[o + i] = src[start + i] }
                    o += inner
                }
            }
        }
        return out
    }
}
