import StrataCore

extension KernelRegistry {
    static let normalizationKernels: [String: KernelFactory] = [:]
}
