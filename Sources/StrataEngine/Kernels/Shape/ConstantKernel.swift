import StrataCore

/// Constant: its `value` tensor (importers turn every literal form of Constant into `value`).
struct ConstantKernel: Kernel {
    let value: Tensor

    init(_ ctx: KernelBuildContext) throws {
        guard let value = try ctx.node.tensor("value") else {
            throw ctx.node.error("only the 'value' form of Constant is supported", kind: .unsupported)
        }
        self.value = value
    }

    func run(_ inputs: [Tensor?], context: ExecutionContext) throws -> [Tensor] { [value] }
}
