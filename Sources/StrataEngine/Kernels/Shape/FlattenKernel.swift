import StrataCore

/// Flatten: a 2-D view `[prod(dims before axis), prod(dims from axis)]` of the input.
struct FlattenKernel: Kernel {
    let node: Node

    init(_ ctx: KernelBuildContext) throws {
        node = ctx.node
        _ = try node.int("axis", default: 1)
    }

    func run(_ inputs: [Tensor?], context: ExecutionContext) throws -> [Tensor] {
        let x = try KernelInputs(inputs, node: node).tensor(0)
        let axis = try ShapeTypeRules.flattenAxis(node, rank: x.rank)
        return [x.reshaped([x.shape[..<axis].reduce(1, *), x.shape[axis...].reduce(1, *)])]
    }
}
