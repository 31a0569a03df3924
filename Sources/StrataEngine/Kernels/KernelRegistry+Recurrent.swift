import StrataCore

extension KernelRegistry {
    static let recurrentKernels: [String: KernelFactory] = [
        "RNN": { try RecurrentKernel($0) },
        "GRU": { try RecurrentKernel($0) },
        "LSTM": { try RecurrentKernel($0) },
    ]

    /// Recurrent ops without a backward rule (see `GradientExemption`).
    static let recurrentWithoutGradient: [String: GradientExemption] = [
        "RNN": .unsupported("backpropagation through time is not yet written"),
        "GRU": .unsupported("backpropagation through time is not yet written"),
        "LSTM": .unsupported("backpropagation through time is not yet written"),
    ]
}
