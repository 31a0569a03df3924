import StrataCore

/// Size: the input's element count as an int64 scalar.
struct SizeKernel: Kernel {
    let node: Node

    init(_ ctx: KernelBuildContext) throws { node = ctx.node }

    func run(_ inputs: [Tensor?], context: ExecutionContext) throws -> [Tensor] {
        [.scalar(Int64(try KernelInputs(inputs, node: node).tensor(0).count))]
    }
}
