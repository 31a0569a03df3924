import StrataCore

/// Transpose: `out[i_0, …] = in[…]` with output axis k taken from input axis `perm[k]`
/// (reversed axes by default). A strided copy; NCHW↔NHWC and other batched 2-D transposes
/// take the tiled path. One that moves only axes of length 1 is a view of its input.
struct TransposeKernel: Kernel {
    let node: Node
    let attributes: TransposeAttributes

    init(_ ctx: KernelBuildContext) throws {
        node = ctx.node
        attributes = try node.typed(TransposeAttributes.self)
        if let rank = ctx.inputTypes.first??.rank { _ = try attributes.permutation(rank: rank, node: node) }
    }

    func run(_ inputs: [Tensor?], context: ExecutionContext) throws -> [Tensor] {
        let x = try KernelInputs(inputs, node: node).tensor(0)
        let perm = try attributes.permutation(rank: x.rank, node: node)
        let strides = StridedCopy.contiguousStrides(x.shape)
        return [try StridedCopy.elements(of: x, shape: perm.map { x.shape[$0] }, strides: perm.map { strides[$0] }, context: context)]
    }
}
