import StrataCore

/// `Optional`: an optional holding the input, or, without an input, an empty optional of the
/// `type` attribute's type.
struct OptionalKernel: ValueKernel {
    let node: Node
    let declared: ValueType?

    init(_ ctx: KernelBuildContext) throws {
        node = ctx.node
        declared = try node.typed(OptionalAttributes.self).type
        if node.input(0) == nil && declared == nil { throw node.missing("type") }
    }

    func run(values: [Value?], context: ExecutionContext) throws -> [Value] {
        guard let value = values.first ?? nil else { return [.optional(nil, element: declared!)] }
        if case .optional = value { throw node.error("the input is already an optional (\(value.type))", kind: .invalidInput) }
        return [.some(value)]
    }
}
