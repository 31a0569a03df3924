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
        table["AffineGrid"] = { ctx in try AffineGridKernel(ctx) }
        table["LpPool"] = { ctx in try LpPoolKernel(ctx) }
        table["MeanVarianceNormalization"] = { ctx in try MeanVarianceNormalizationKernel(ctx) }
        for name in ["HannWindow", "HammingWindow", "BlackmanWindow"] {
            table[name] = { ctx in try WindowKernel(ctx) }
        }
        return table
    }()
}
