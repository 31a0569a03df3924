import StrataCore

/// `SequenceErase`: the sequence without the element at `position` (default: the last one).
struct SequenceEraseKernel: ValueKernel {
    let node: Node

    init(_ ctx: KernelBuildContext) throws {
        node = ctx.node
    }

    func run(values: [Value?], context: ExecutionContext) throws -> [Value] {
        let args = SequenceInputs(values, node: node)
        let sequence = try args.sequence(0)
        var elements = sequence.elements
        guard !elements.isEmpty else { throw node.error("cannot erase from an empty sequence", kind: .invalidInput) }
        let position = args.has(1) ? try args.position(1, count: elements.count) : elements.count - 1
        elements.remove(at: position)
        return [.sequence(try TensorSequence(dtype: sequence.dtype, elements: elements))]
    }
}
