import StrataCore

/// ConstantOfShape: a tensor of the given shape filled with the one-element `value` (float 0 by default).
struct ConstantOfShapeKernel: Kernel {
    let node: Node
    let value: Tensor

    init(_ ctx: KernelBuildContext) throws {
        node = ctx.node
        value = try node.typed(ConstantOfShapeAttributes.self).value
    }

    func run(_ inputs: [Tensor?], context: ExecutionContext) throws -> [Tensor] {
        guard let shape = try KernelInputs(inputs, node: node).ints(0, "input") else { throw node.error("input 0 is missing") }
        try OutputBudget.check(shape, value.dtype, node: node)
        let out = try Tensor(dtype: value.dtype, shape: shape)
        ElementFill.fill(out.rawPointer, count: out.count, with: value.rawPointer, elementSize: value.dtype.byteSize)
        return [out]
    }
}
