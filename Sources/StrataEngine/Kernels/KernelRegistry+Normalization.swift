import StrataCore

extension KernelRegistry {
    static let normalizationKernels: [String: KernelFactory] = [
        "BatchNormalization": { try BatchNormalizationKernel($0) },
        "InstanceNormalization": { try InstanceNormalizationKernel($0) },
        "LayerNormalization": { try LayerNormalizationKernel($0) },
        "LpNormalization": { try LpNormalizationKernel($0) },
        "LRN": { try LRNKernel($0) },
        "GroupNormalization": { try GroupNormalizationKernel($0) },
        "RMSNormalization": { try RMSNormalizationKernel($0) },
    ]

    /// Normalization ops without a backward rule (see `GradientExemption`).
    static let normalizationWithoutGradient: [String: GradientExemption] = [
        "InstanceNormalization": .unsupported("not yet written"),
        "LayerNormalization": .unsupported("not yet written"),
        "GroupNormalization": .unsupported("not yet written"),
        "LpNormalization": .unsupported("not yet written"),
        "LRN": .unsupported("not yet written"),
        "RMSNormalization": .unsupported("not yet written"),
    ]
}
