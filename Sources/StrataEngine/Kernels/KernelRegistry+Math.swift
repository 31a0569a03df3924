import StrataCore

extension KernelRegistry {
    static let mathKernels: [String: KernelFactory] = {
        var table: [String: KernelFactory] = [:]
        for name in ["Acos", "Asin", "Atan", "Tan", "Acosh", "Asinh", "Atanh", "Cosh", "Sinh", "Shrink", "ThresholdedRelu",
                     "Swish", "IsNaN", "IsInf", "SwiGLU"] {
            table[name] = { ctx in try FloatFunctionKernel(ctx) }
        }
        for name in ["BitwiseNot", "BitwiseAnd", "BitwiseOr", "BitwiseXor", "BitShift"] {
            table[name] = { ctx in try BitwiseKernel(ctx) }
        }
        table["Col2Im"] = { ctx in try Col2ImKernel(ctx) }
        table["RotaryEmbedding"] = { ctx in try RotaryEmbeddingKernel(ctx) }
        table["Attention"] = { ctx in try AttentionKernel(ctx) }
        table["AffineGrid"] = { ctx in try AffineGridKernel(ctx) }
        table["LpPool"] = { ctx in try LpPoolKernel(ctx) }
        table["CausalConvWithState"] = { ctx in try CausalConvWithStateKernel(ctx) }
        table["LinearAttention"] = { ctx in try LinearAttentionKernel(ctx) }
        table["ai.onnx.preview::FlexAttention"] = { ctx in try FlexAttentionKernel(ctx) }
        table["MeanVarianceNormalization"] = { ctx in try MeanVarianceNormalizationKernel(ctx) }
        for name in ["HannWindow", "HammingWindow", "BlackmanWindow"] {
            table[name] = { ctx in try WindowKernel(ctx) }
        }
        return table
    }()

    /// No backward rules yet for this family's float functions; integer and boolean outputs and the
    /// windows (which depend only on their size) carry no gradient.
    static let mathWithoutGradient: [String: GradientExemption] = {
        var table: [String: GradientExemption] = [:]
        for op in ["Acos", "Asin", "Atan", "Tan", "Acosh", "Asinh", "Atanh", "Cosh", "Sinh", "Shrink", "ThresholdedRelu",
                   "Swish", "SwiGLU", "RotaryEmbedding", "Attention", "Col2Im", "AffineGrid", "LpPool", "MeanVarianceNormalization",
                   "CausalConvWithState", "LinearAttention", "ai.onnx.preview::FlexAttention"] {
            table[op] = .unsupported("not yet written")
        }
        for op in ["IsNaN", "IsInf"] { table[op] = .zero("boolean output") }
        for op in ["BitwiseNot", "BitwiseAnd", "BitwiseOr", "BitwiseXor", "BitShift"] { table[op] = .zero("integer output") }
        for op in ["HannWindow", "HammingWindow", "BlackmanWindow"] { table[op] = .zero("depends only on the window's size") }
        return table
    }()
}
