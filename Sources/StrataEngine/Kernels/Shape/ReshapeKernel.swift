import StrataCore

/// Reshape: a view of the input under the target shape (no copy). `0` copies the input dim
/// unless `allowzero` (opset 14+); one `-1` takes the remaining size. Opsets below 5 read the
/// `shape` attribute instead of the second input.
struct ReshapeKernel: Kernel {
    let node: Node
    let allowZero: Bool
    let fixedTarget: [Int]?

    init(_ ctx: KernelBuildContext) throws {
        node = ctx.node
        let attributes = try node.typed(ReshapeAttributes.self)
        (allowZero, fixedTarget) = (attributes.allowZero, attributes.shape)
    }

    func run(_ inputs: [Tensor?], context: ExecutionContext) throws -> [Tensor] {
        let args = KernelInputs(inputs, node: node)
        let x = try args.tensor(0)
        guard let target = try fixedTarget ?? args.ints(1, "shape") else { throw node.error("shape input is missing") }
        return [x.reshaped(try ShapeAlgebra.reshape(x.shape, to: target, allowZero: allowZero, node: node))]
    }
}
