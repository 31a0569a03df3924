import StrataCore

extension KernelRegistry {
    static let controlFlowKernels: [String: KernelFactory] = [
        "If": { ctx in try IfKernel(ctx) },
        "Loop": { ctx in try LoopKernel(ctx) },
        "Scan": { ctx in try ScanKernel(ctx) },
    ]

    static let controlFlowWithoutGradient: [String: GradientExemption] = [
        "If": .unsupported("a gradient through a subgraph needs the body's own backward pass, which Strata does not run"),
        "Loop": .unsupported("a gradient through a subgraph needs the body's own backward pass, which Strata does not run"),
        "Scan": .unsupported("a gradient through a subgraph needs the body's own backward pass, which Strata does not run"),
    ]
}
