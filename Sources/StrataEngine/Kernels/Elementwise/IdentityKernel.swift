import StrataCore

/// `Identity`: the input itself (tensors are immutable once produced, so storage is shared).
struct IdentityKernel: Kernel {
    init(_ ctx: KernelBuildContext) throws {
        if ctx.node.inputs.count != 1 { throw ctx.node.error("expected 1 input, found \(ctx.node.inputs.count)") }
    }

    func run(_ inputs: [Tensor?], context: ExecutionContext) throws -> [Tensor] {
        [try ElementwiseInputs.required(inputs, 0)]
    }
}
