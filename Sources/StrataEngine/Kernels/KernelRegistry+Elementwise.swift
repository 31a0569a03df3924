import StrataCore

extension KernelRegistry {
    static let elementwiseKernels: [String: KernelFactory] = {
        var table: [String: KernelFactory] = [
            "Add": { try ArithmeticKernel($0, .add) },
            "Sub": { try ArithmeticKernel($0, .subtract) },
            "Mul": { try ArithmeticKernel($0, .multiply) },
            "Div": { try ArithmeticKernel($0, .divide) },
            "Pow": { try ArithmeticKernel($0, .power) },
            "Mod": { try ArithmeticKernel.modulo($0) },
            "Min": { try ArithmeticKernel($0, .minimum) },
            "Max": { try ArithmeticKernel($0, .maximum) },
            "Sum": { try ArithmeticKernel($0, .sum) },
            "Mean": { try ArithmeticKernel($0, .mean) },
            "Equal": { try ComparisonKernel($0, .equal) },
            "Less": { try ComparisonKernel($0, .less) },
            "Greater": { try ComparisonKernel($0, .greater) },
            "LessOrEqual": { try ComparisonKernel($0, .lessOrEqual) },
            "GreaterOrEqual": { try ComparisonKernel($0, .greaterOrEqual) },
            "And": { try LogicKernel($0, .and) },
            "Or": { try LogicKernel($0, .or) },
            "Xor": { try LogicKernel($0, .xor) },
            "Not": { try LogicKernel($0, .not) },
            "PRelu": { try PReluKernel($0) },
            "Where": { try WhereKernel($0) },
            "Clip": { try ClipKernel($0) },
            "Cast": { try CastKernel($0) },
            "CastLike": { try CastKernel($0) },
            "BitCast": { try BitCastKernel($0) },
            "Identity": { ctx in
            if let type = ctx.inputTypes.first ?? nil, !type.isTensor { return try ValueIdentityKernel(ctx) }
            return try IdentityKernel(ctx)
        },
            "Dropout": { try DropoutKernel($0) },
        ]
        let unary = [
            "Sqrt", "Exp", "Log", "Abs", "Neg", "Reciprocal", "Floor", "Ceil", "Round", "Sign", "Erf", "Sin", "Cos",
            "Tanh", "Relu", "LeakyRelu", "Elu", "Selu", "Celu", "Sigmoid", "HardSigmoid", "HardSwish", "Softplus",
            "Softsign", "Gelu", "Mish",
        ]
        for op in unary { table[op] = { try UnaryKernel($0) } }
        return table
    }()

    /// Elementwise ops without a backward rule (see `GradientExemption`).
    static let elementwiseWithoutGradient: [String: GradientExemption] = {
        var table: [String: GradientExemption] = [
            "Mod": .unsupported("rarely on a gradient path; not yet written"),
            "BitCast": .zero("reinterprets bits: the output is no differentiable function of the input's value"),
        ]
        for op in ["Equal", "Less", "Greater", "LessOrEqual", "GreaterOrEqual", "And", "Or", "Xor", "Not"] {
            table[op] = .zero("boolean output")
        }
        for op in ["Floor", "Ceil", "Round", "Sign"] { table[op] = .zero("piecewise constant: the gradient is zero") }
        return table
    }()
}
