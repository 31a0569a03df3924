import StrataCore

extension KernelRegistry {
    static let recurrentKernels: [String: KernelFactory] = [:]
}
