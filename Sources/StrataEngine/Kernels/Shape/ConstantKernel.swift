import StrataCore

/// Constant: its `value` tensor (importers turn every literal form of Constant into `value`).
struct ConstantKernel: Kernel {
    let value: Tensor

    init(_ ctx: KernelBuildContext) throws {
        value = try ctx.node.typed(ConstantAttributes.self).value
    }

    func run(_ inputs: [Tensor?], context: ExecutionContext) throws -> [Tensor] { [value] }
}
