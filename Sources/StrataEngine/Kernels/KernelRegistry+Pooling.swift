import StrataCore

extension KernelRegistry {
    static let poolingKernels: [String: KernelFactory] = [
        "MaxPool": { ctx in try PoolKernel(ctx, max: true) },
        "AveragePool": { ctx in try PoolKernel(ctx, max: false) },
        "GlobalMaxPool": { ctx in GlobalPoolKernel(ctx, max: true) },
        "GlobalAveragePool": { ctx in GlobalPoolKernel(ctx, max: false) },
    ]

    /// Pooling ops without a backward rule (none).
    static let poolingWithoutGradient: [String: GradientExemption] = [:]
}
