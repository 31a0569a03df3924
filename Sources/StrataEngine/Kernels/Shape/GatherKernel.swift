import StrataCore

/// Gather: `out[outer, j…, inner] = data[outer, indices[j…], inner]` along `axis`. Negative
/// indices count from the end; out-of-range indices are an input error. Where the result is one
/// contiguous block of the data, it is a view of it.
struct GatherKernel: Kernel {
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
        let a = try ShapeAlgebra.normalizeAxis(axis, rank: x.rank, node: node)
        let indices = try IndexList.resolve(indexTensor, size: x.shape[a], node: node)
        let outer = x.shape[..<a].reduce(1, *)
        let inner = x.shape[(a + 1)...].reduce(1, *)
        let dim = x.shape[a]
        let shape = Array(x.shape[..<a]) + indexTensor.shape + Array(x.shape[(a + 1)...])
        // Consecutive indices along an axis with only axes of length 1 before it (ViT's query, key and
        // value taken from one stacked tensor) select one contiguous block: a view of it, as
        // `StridedCopy.elements` gives.
        if outer == 1, let first = indices.first, indices.indices.allSatisfy({ indices[$0] == first + $0 }),
           let view = StridedCopy.contiguousView(of: x, shape: shape, strides: StridedCopy.contiguousStrides(shape),
                                                 offset: first * inner) {
            return [view]
        }
        let out = try Tensor(dtype: x.dtype, shape: shape)
        let rowBytes = inner * x.dtype.byteSize
        let n = indices.count
        let src = RawAddress(x.rawPointer), dst = RawAddress(out.rawPointer)
        context.parallelFor(outer * n, minChunk: Swift.max(1, 16384 / Swift.max(1, rowBytes))) { range in
            for k in range {
                let o = k / n, j = k % n
                (dst.mutablePointer + k * rowBytes).copyMemory(from: src.pointer + (o * dim + indices[j]) * rowBytes,
                                                              byteCount: rowBytes)
            }
        }
        return [out]
    }
}
