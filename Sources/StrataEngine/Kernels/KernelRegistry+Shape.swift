import StrataCore

extension KernelRegistry {
    static let shapeKernels: [String: KernelFactory] = [:]
}
