import StrataCore

extension KernelRegistry {
    static let elementwiseKernels: [String: KernelFactory] = [:]
}
