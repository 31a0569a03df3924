import StrataCore

/// `SequenceInsert`: the sequence with the tensor inserted before `position` (default: at the
/// end; negative positions count from the end, `-n ... n` valid for n elements).
struct SequenceInsertKernel: ValueKernel {
    let node: Node

    init(_ ctx: KernelBuildContext) throws {
        node = ctx.node
    }

    func run(values: [Value?], context: ExecutionContext) throws -> [Value] {
        let args = SequenceInputs(values, node: node)
        let sequence = try args.sequence(0), tensor = try args.tensor(1)
        var elements = sequence.elements
        let position = args.has(2) ? try args.position(2, count: elements.count, extra: 1) : elements.count
        elements.insert(tensor, at: position)
        return [.sequence(try TensorSequence(dtype: sequence.dtype, elements: elements))]
    }
}
