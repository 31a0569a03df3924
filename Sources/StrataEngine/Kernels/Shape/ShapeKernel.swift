import StrataCore

/// Shape: the input's dims (those in `[start, end)` from opset 15) as a 1-D int64 tensor.
struct ShapeKernel: Kernel {
    let node: Node
    let attributes: ShapeAttributes

    init(_ ctx: KernelBuildContext) throws {
        node = ctx.node
        attributes = try node.typed(ShapeAttributes.self)
    }

    func run(_ inputs: [Tensor?], context: ExecutionContext) throws -> [Tensor] {
        let x = try KernelInputs(inputs, node: node).tensor(0)
        let dims = x.shape[attributes.range(rank: x.rank)].map { Int64($0) }
        return [Tensor(dims, shape: [dims.count])]
    }
}
