/// An execution plan and its fusion plan, for one list of requested tensors.
struct CachedPlans: Sendable {
    let targets: [String]
    /// Whether the plans run the graph as written (`Engine.execute`'s `asWritten`).
    let asWritten: Bool
    let plan: ExecutionPlan
    let fusion: FusionPlan
    /// Per step, the values freed after it: the plan's, with what fused groups read kept longer.
    let releases: [[String]]
    let bindings: StepBindings
    /// Whether these plans' runs use the engine's threads; nil when it has one.
    let choice: PoolChoice?
}
