import StrataCore

/// `Identity` on a sequence or an optional: the input itself.
struct ValueIdentityKernel: ValueKernel {
    let node: Node

    init(_ ctx: KernelBuildContext) throws {
        node = ctx.node
    }

    func run(values: [Value?], context: ExecutionContext) throws -> [Value] {
        guard let value = values.first ?? nil else { throw node.error("input 0 is missing", kind: .invalidInput) }
        return [value]
    }
}
