import StrataCore

/// `SequenceAt`: the element at `position` (negative counts from the end).
struct SequenceAtKernel: ValueKernel {
    let node: Node

    init(_ ctx: KernelBuildContext) throws {
        node = ctx.node
    }

    func run(values: [Value?], context: ExecutionContext) throws -> [Value] {
        let args = SequenceInputs(values, node: node)
        let sequence = try args.sequence(0)
        return [.tensor(sequence.elements[try args.position(1, count: sequence.count)])]
    }
}
