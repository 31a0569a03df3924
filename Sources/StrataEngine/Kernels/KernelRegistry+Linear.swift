import StrataCore

extension KernelRegistry {
    static let linearKernels: [String: KernelFactory] = [
        "Conv": { ctx in try ConvKernel(ctx) },
        "ConvTranspose": { ctx in try ConvTransposeKernel(ctx) },
        "Gemm": { ctx in try GemmKernel(ctx) },
        "MatMul": { ctx in try MatMulKernel(ctx) },
        "Einsum": { ctx in try EinsumKernel(ctx) },
        "Det": { ctx in try DetKernel(ctx) },
    ]

    /// Linear ops without a backward rule (see `GradientExemption`).
    static let linearWithoutGradient: [String: GradientExemption] = ["Det": .unsupported("not yet written")]
}
