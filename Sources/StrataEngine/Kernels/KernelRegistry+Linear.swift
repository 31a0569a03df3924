import StrataCore

extension KernelRegistry {
    static let linearKernels: [String: KernelFactory] = [:]
}
