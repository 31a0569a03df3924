import StrataCore

/// `SequenceLength`: the number of elements, as an int64 scalar.
struct SequenceLengthKernel: ValueKernel {
    let node: Node

    init(_ ctx: KernelBuildContext) throws {
        node = ctx.node
    }

    func run(values: [Value?], context: ExecutionContext) throws -> [Value] {
        let sequence = try SequenceInputs(values, node: node).sequence(0)
        return [.tensor(Tensor([Int64(sequence.count)], shape: []))]
    }
}
