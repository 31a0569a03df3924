import StrataCore

extension KernelRegistry {
    static let poolingKernels: [String: KernelFactory] = [:]
}
