import StrataCore

/// What each step of a plan needs from a run that is the same in every run: the node's constant
/// inputs, looked up once, and which of its outputs a later step reads. Each was a lookup by name
/// per input and output per run (two or three string hashes for a convolution's weight and bias),
/// and while the calling thread did that, the other threads of a two-thread run waited.
struct StepBindings: Sendable {
    /// Per step, per input of its node: the constant tensor, or nil for an input a run provides.
    let constantInputs: [[Tensor?]]
    /// Per step, per output of its node: whether a later step reads it (`ExecutionPlan.consumed`).
    let consumedOutputs: [[Bool]]

    /// Inputs that are engine constants and that no node computes; the rest a run looks up.
    init(graph: Graph, plan: ExecutionPlan, constants: [String: Tensor], producers: [String: Int]) {
        constantInputs = plan.steps.map { index in
            graph.nodes[index].inputs.map { name in
                name.isEmpty || producers[name] != nil ? nil : constants[name]
            }
        }
        consumedOutputs = plan.steps.map { index in graph.nodes[index].outputs.map { plan.consumed.contains($0) } }
    }
}
