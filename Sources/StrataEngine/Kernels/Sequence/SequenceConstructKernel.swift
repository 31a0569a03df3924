import StrataCore

/// `SequenceConstruct`: a sequence of the input tensors, in order; they must share one dtype.
struct SequenceConstructKernel: ValueKernel {
    let node: Node

    init(_ ctx: KernelBuildContext) throws {
        node = ctx.node
    }

    func run(values: [Value?], context: ExecutionContext) throws -> [Value] {
        let args = SequenceInputs(values, node: node)
        let tensors = try values.indices.map { try args.tensor($0) }
        guard let first = tensors.first else { throw node.error("SequenceConstruct needs at least one input") }
        return [.sequence(try TensorSequence(dtype: first.dtype, elements: tensors))]
    }
}
