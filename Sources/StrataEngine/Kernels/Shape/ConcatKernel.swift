import StrataCore

/// Concat: the inputs joined along `axis` (default 1 before opset 4, required after). Each input
/// is one strided copy into its band of the output.
struct ConcatKernel: Kernel {
    let node: Node
    let axis: Int

    init(_ ctx: KernelBuildContext) throws {
        node = ctx.node
        axis = try node.typed(ConcatAttributes.self).axis
    }

    func run(_ inputs: [Tensor?], context: ExecutionContext) throws -> [Tensor] {
        let args = KernelInputs(inputs, node: node)
        let parts = try (0..<inputs.count).map { try args.tensor($0) }
        guard let first = parts.first else { throw node.error("Concat has no inputs") }
        let a = try ShapeAlgebra.normalizeAxis(axis, rank: first.rank, node: node)
        var outShape = first.shape
        outShape[a] = 0
        for (i, p) in parts.enumerated() {
            guard p.dtype == first.dtype else {
                throw node.error("input \(i) is \(p.dtype.rawValue), input 0 is \(first.dtype.rawValue)", kind: .invalidInput)
            }
            guard p.rank == first.rank, p.shape.indices.allSatisfy({ $0 == a || p.shape[$0] == first.shape[$0] }) else {
                throw node.error("input \(i) has shape \(p.shape), which does not match input 0 \(first.shape) off axis \(a)",
                                 kind: .invalidInput)
            }
            outShape[a] += p.shape[a]
        }
        let out = try Tensor(dtype: first.dtype, shape: outShape)
        let outStrides = StridedCopy.contiguousStrides(outShape)
        var offset = 0
        for p in parts {
            StridedCopy(shape: p.shape, sourceStrides: StridedCopy.contiguousStrides(p.shape), destinationStrides: outStrides,
                        destinationOffset: offset * outStrides[a])
                .run(from: p.rawPointer, to: out.rawPointer, elementSize: p.dtype.byteSize, context: context)
            offset += p.shape[a]
        }
        return [out]
    }
}
