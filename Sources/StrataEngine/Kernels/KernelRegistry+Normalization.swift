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
}
