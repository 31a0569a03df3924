import StrataCore

extension KernelRegistry {
    static let detectionKernels: [String: KernelFactory] = [
        "NonMaxSuppression": { ctx in try NonMaxSuppressionKernel(ctx) },
        "RoiAlign": { ctx in try RoiAlignKernel(ctx) },
        "MaxUnpool": { ctx in try MaxUnpoolKernel(ctx) },
        "DeformConv": { ctx in try DeformConvKernel(ctx) },
    ]

    static let detectionWithoutGradient: [String: GradientExemption] = [
        "NonMaxSuppression": .zero("integer output"),
        "RoiAlign": .unsupported("not yet written"),
        "MaxUnpool": .unsupported("not yet written"),
        "DeformConv": .unsupported("not yet written"),
    ]
}
