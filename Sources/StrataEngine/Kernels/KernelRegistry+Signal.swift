import StrataCore

extension KernelRegistry {
    static let signalKernels: [String: KernelFactory] = [
        "DFT": { ctx in try DFTKernel(ctx) },
        "STFT": { ctx in try STFTKernel(ctx) },
        "MelWeightMatrix": { ctx in try MelWeightMatrixKernel(ctx) },
    ]

    static let signalWithoutGradient: [String: GradientExemption] = [
        "DFT": .unsupported("not yet written"),
        "STFT": .unsupported("not yet written"),
        "MelWeightMatrix": .zero("depends only on its scalar sizes"),
    ]
}
