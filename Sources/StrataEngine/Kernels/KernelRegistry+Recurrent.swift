import StrataCore

extension KernelRegistry {
    static let recurrentKernels: [String: KernelFactory] = [
        "RNN": { try RecurrentKernel($0) },
        "GRU": { try RecurrentKernel($0) },
        "LSTM": { try RecurrentKernel($0) },
    ]

    /// Recurrent ops without a backward rule (see `GradientExemption`): none, every recurrent
    /// kernel has one (`RecurrentKernel+Backward.swift`).
    static let recurrentWithoutGradient: [String: GradientExemption] = [:]
}
