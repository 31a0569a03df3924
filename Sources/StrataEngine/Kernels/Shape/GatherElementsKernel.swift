import StrataCore

/// GatherElements: `out[i…] = data[i…]` with the `axis` coordinate replaced by `indices[i…]`;
/// the output has the indices' shape.
struct GatherElementsKernel: Kernel {
    let node: Node
    let axis: Int

    init(_ ctx: KernelBuildContext) throws {
        node = ctx.node
        axis = try node.typed(GatherAttributes.self).axis
    }

    func run(_ inputs: [Tensor?], context: ExecutionContext) throws -> [Tensor] {
        let args = KernelInputs(inputs, node: node)
        let x = try args.tensor(0)
        let indexTensor = try args.tensor(1)
        let rank = x.rank
        guard indexTensor.rank == rank else {
            throw node.error("indices have rank \(indexTensor.rank), data has rank \(rank)", kind: .invalidInput)
        }
        let a = try ShapeAlgebra.normalizeAxis(axis, rank: rank, node: node)
        for d in 0..<rank where d != a && indexTensor.shape[d] > x.shape[d] {
            throw node.error("indices shape \(indexTensor.shape) exceeds data shape \(x.shape) on axis \(d)", kind: .invalidInput)
        }
        let indices = try IndexList.resolve(indexTensor, size: x.shape[a], node: node)
        let shape = indexTensor.shape
        let strides = StridedCopy.contiguousStrides(x.shape)
        let out = try Tensor(dtype: x.dtype, shape: shape)
        let es = x.dtype.byteSize
        guard out.count > 0 else { return [out] }
        var index = [Int](repeating: 0, count: rank)
        var base = 0
        let src = x.rawPointer, dst = out.rawPointer
        for k in 0..<out.count {
            (dst + k * es).copyMemory(from: src + (base + indices[k] * strides[a]) * es, byteCount: es)
            var d = rank - 1
            while d >= 0 {
                index[d] += 1
                if d != a { base += strides[d] }
                if index[d] < shape[d] { break }
                if d != a { base -= strides[d] * shape[d] }
                index[d] = 0
                d -= 1
            }
        }
        return [out]
    }
}
