/// An execution plan and its fusion plan, for one list of requested tensors.
struct CachedPlans: Sendable {
    let targets: [String]
    let plan: ExecutionPlan
    let fusion: FusionPlan
}
