import StrataCore

/// ONNX `If`: runs `then_branch` when the boolean `cond` is true, `else_branch` otherwise, and
/// returns that branch's outputs. The branches read outer values (the node's implicit inputs,
/// which the engine passes after `cond`). Branch outputs may be sequences or optionals.
struct IfKernel: ValueKernel {
    let thenBranch: SubgraphRunner
    let elseBranch: SubgraphRunner
    let outputs: Int

    init(_ ctx: KernelBuildContext) throws {
        let node = ctx.node
        let implicit = node.implicitInputs
        thenBranch = try SubgraphRunner(try node.requiredSubgraph("then_branch"), attribute: "then_branch", node: node, implicitInputs: implicit)
        elseBranch = try SubgraphRunner(try node.requiredSubgraph("else_branch"), attribute: "else_branch", node: node, implicitInputs: implicit)
        outputs = node.outputs.count
        for (name, branch) in [("then_branch", thenBranch), ("else_branch", elseBranch)] where branch.outputCount != outputs {
            throw node.attributeError(name, "the branch has \(branch.outputCount) outputs; the node has \(outputs)")
        }
        for (name, branch) in [("then_branch", thenBranch), ("else_branch", elseBranch)] where !branch.body.inputs.isEmpty {
            throw node.attributeError(name, "a branch takes no inputs; this one has \(branch.body.inputs.count)")
        }
    }

    func run(values inputs: [Value?], context: ExecutionContext) throws -> [Value] {
        guard case .tensor(let cond)? = inputs[0] else { throw StrataError(.invalidInput, "the condition must be a tensor") }
        guard cond.count == 1 else { throw StrataError(.invalidInput, "the condition must hold one value; it is \(cond.type)") }
        let branch = cond.doubleValue(at: 0) != 0 ? thenBranch : elseBranch
        return try branch.run(values: [], outer: Array(inputs.dropFirst()), context: context)
    }
}
