import StrataCore

/// `ConcatFromSequence`: the elements joined along `axis` (as `Concat`), or with `new_axis`
/// stacked along a new axis `axis` (each element unsqueezed there first). An empty sequence has
/// nothing to join and is an error.
struct ConcatFromSequenceKernel: ValueKernel {
    let node: Node
    let attributes: ConcatFromSequenceAttributes

    init(_ ctx: KernelBuildContext) throws {
        node = ctx.node
        attributes = try node.typed(ConcatFromSequenceAttributes.self)
    }

    func run(values: [Value?], context: ExecutionContext) throws -> [Value] {
        let sequence = try SequenceInputs(values, node: node).sequence(0)
        guard let first = sequence.elements.first else {
            throw node.error("the sequence is empty; there is nothing to concatenate", kind: .invalidInput)
        }
        let axis = try attributes.resolvedAxis(rank: first.rank, node: node)
        var parts = sequence.elements
        if attributes.newAxis {
            parts = parts.map { part in
                var shape = part.shape
                shape.insert(1, at: min(axis, shape.count))
                return part.reshaped(shape)
            }
        }
        let concat = Node(name: node.name, opType: "Concat", opset: node.opset, inputs: parts.indices.map { "\(node.name)/\($0)" },
                          outputs: node.outputs, attributes: ["axis": .int(axis)])
        let kernel = try ConcatKernel(KernelBuildContext(node: concat, inputTypes: parts.map { _ in nil }, constants: []))
        return try kernel.run(parts, context: context).map(Value.tensor)
    }
}
