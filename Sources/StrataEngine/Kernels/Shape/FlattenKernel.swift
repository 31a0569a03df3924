import StrataCore

/// Flatten: a 2-D view `[prod(dims before axis), prod(dims from axis)]` of the input.
struct FlattenKernel: Kernel {
    let node: Node
    let attributes: FlattenAttributes

    init(_ ctx: KernelBuildContext) throws {
        node = ctx.node
        attributes = try node.typed(FlattenAttributes.self)
    }

    func run(_ inputs: [Tensor?], context: ExecutionContext) throws -> [Tensor] {
        let x = try KernelInputs(inputs, node: node).tensor(0)
        let axis = try attributes.splitPoint(rank: x.rank, node: node)
        return [x.reshaped([x.shape[..<axis].reduce(1, *), x.shape[axis...].reduce(1, *)])]
    }
}
