import StrataCore

extension KernelRegistry {
    static let reductionKernels: [String: KernelFactory] = [:]
}
