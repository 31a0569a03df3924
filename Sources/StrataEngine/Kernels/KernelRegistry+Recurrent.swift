import StrataCore

extension KernelRegistry {
    static let recurrentKernels: [String: KernelFactory] = [
        "RNN": { try RecurrentKernel($0) },
        "GRU": { try RecurrentKernel($0) },
        "LSTM": { try RecurrentKernel($0) },
    ]
}
