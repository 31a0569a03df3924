import StrataCore

/// `SequenceMap`: runs `body` once per element of the input sequence and gathers each body output
/// into an output sequence. Additional inputs that are sequences (of the same length) give the
/// body their element of the same position; tensors are given whole every time. The body reads
/// outer values as `Loop`'s does (the node's implicit inputs, after its own).
struct SequenceMapKernel: ValueKernel {
    let node: Node
    let body: SubgraphRunner
    /// Node inputs before the implicit ones.
    let explicitInputs: Int

    init(_ ctx: KernelBuildContext) throws {
        node = ctx.node
        let implicit = node.implicitInputs
        let graph = try node.requiredSubgraph("body")
        body = try SubgraphRunner(graph, attribute: "body", node: node, implicitInputs: implicit)
        explicitInputs = node.inputs.count - implicit.count
        guard graph.inputs.count == explicitInputs else {
            throw node.attributeError("body", "the body has \(graph.inputs.count) inputs; the node gives it \(explicitInputs)")
        }
        guard graph.outputs.count == node.outputs.count else {
            throw node.attributeError("body", "the body has \(graph.outputs.count) outputs; the node has \(node.outputs.count)")
        }
    }

    func run(values: [Value?], context: ExecutionContext) throws -> [Value] {
        let args = SequenceInputs(values, node: node)
        let first = try args.sequence(0)
        var inputs: [Value] = []
        for i in 0..<explicitInputs {
            guard let value = values[i] else { throw node.error("input \(i) is missing", kind: .invalidInput) }
            if case .sequence(let s) = value, s.count != first.count {
                throw node.error("input \(i) is a sequence of \(s.count) elements and input 0 one of \(first.count)", kind: .invalidInput)
            }
            inputs.append(value)
        }
        let outer = Array(values[explicitInputs...])
        var gathered = [[Tensor]](repeating: [], count: body.outputCount)
        for position in 0..<first.count {
            let feeds: [Value] = inputs.map { value in
                if case .sequence(let s) = value { return .tensor(s.elements[position]) }
                return value
            }
            let outputs = try body.run(values: feeds, outer: outer, iteration: position, context: context)
            for (k, output) in outputs.enumerated() {
                guard case .tensor(let t) = output else {
                    throw node.error("body output \(k) is \(output.type); SequenceMap gathers tensors", kind: .unsupported)
                }
                gathered[k].append(t)
            }
        }
        return try gathered.enumerated().map { k, elements in
            let dtype = elements.first?.dtype ?? body.body.outputs[k].type?.dtype ?? .float32
            return .sequence(try TensorSequence(dtype: dtype, elements: elements))
        }
    }
}
