import StrataCore

extension KernelRegistry {
    static let quantizationKernels: [String: KernelFactory] = [
        "QuantizeLinear": { ctx in try QuantizeLinearKernel(ctx) },
        "DequantizeLinear": { ctx in try DequantizeLinearKernel(ctx) },
        "DynamicQuantizeLinear": { ctx in try DynamicQuantizeLinearKernel(ctx) },
        "MatMulInteger": { ctx in try MatMulIntegerKernel(ctx, requantizes: false) },
        "QLinearMatMul": { ctx in try MatMulIntegerKernel(ctx, requantizes: true) },
        "ConvInteger": { ctx in try ConvIntegerKernel(ctx, requantizes: false) },
        "QLinearConv": { ctx in try ConvIntegerKernel(ctx, requantizes: true) },
        "com.microsoft::QLinearAdd": { ctx in try QLinearBinaryKernel(ctx, multiplies: false) },
        "com.microsoft::QLinearMul": { ctx in try QLinearBinaryKernel(ctx, multiplies: true) },
        "com.microsoft::QLinearLeakyRelu": { ctx in try QLinearLookupKernel(ctx, sigmoid: false) },
        "com.microsoft::QLinearSigmoid": { ctx in try QLinearLookupKernel(ctx, sigmoid: true) },
        "com.microsoft::QLinearGlobalAveragePool": { ctx in try QLinearPoolKernel(ctx, global: true) },
        "com.microsoft::QLinearAveragePool": { ctx in try QLinearPoolKernel(ctx, global: false) },
        "com.microsoft::QLinearConcat": { ctx in try QLinearConcatKernel(ctx) },
        "com.microsoft::QGemm": { ctx in try QGemmKernel(ctx) },
    ]

    /// Quantized graphs compute on integers; a gradient through them would need straight-through rules
    /// (as quantization-aware training uses), which are not written: asking for one is an error, not zeros.
    static let quantizationWithoutGradient: [String: GradientExemption] = {
        var table: [String: GradientExemption] = [:]
        for op in quantizationKernels.keys { table[op] = .unsupported("quantized (integer) arithmetic; no straight-through rule yet") }
        return table
    }()
}
