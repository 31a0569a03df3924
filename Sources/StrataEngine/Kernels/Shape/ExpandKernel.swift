import StrataCore

/// Expand: the input broadcast (numpy rules) against the given shape; a strided copy with stride
/// 0 on the broadcast axes.
struct ExpandKernel: Kernel {
    let node: Node

    init(_ ctx: KernelBuildContext) throws { node = ctx.node }

    func run(_ inputs: [Tensor?], context: ExecutionContext) throws -> [Tensor] {
        let args = KernelInputs(inputs, node: node)
        let x = try args.tensor(0)
        guard let target = try args.ints(1, "shape") else { throw node.error("shape input is missing") }
        if target.contains(where: { $0 < 0 }) { throw node.error("shape \(target) has a negative dim", kind: .invalidInput) }
        let outShape: [Int]
        do {
            outShape = try ShapeAlgebra.broadcast(x.shape, target, node: node)
        } catch let e as StrataError {
            throw StrataError(.invalidInput, e.message, at: e.location)
        }
        try OutputBudget.check(outShape, x.dtype, node: node)
        let lead = outShape.count - x.rank
        let base = StridedCopy.contiguousStrides(x.shape)
        let strides = outShape.indices.map { d in
            d < lead || x.shape[d - lead] == 1 ? 0 : base[d - lead]
        }
        return [try StridedCopy.elements(of: x, shape: outShape, strides: strides, context: context)]
    }
}
