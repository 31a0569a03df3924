import StrataCore

extension KerasLayerContext {
    /// Whether the layer computes in float16 or bfloat16, where TensorFlow's activation kernels round
    /// every step of their own formulas (reproduced below, each step an op rounded by the engine).
    var computesIn16Bits: Bool { computeDType == .float16 || computeDType == .bfloat16 }

    /// TensorFlow's 16-bit logistic: `e / (1 + e)` with `e = exp(x)`, each step rounded (which is not the
    /// correctly rounded logistic); `x` is capped at 11, where the quotient already rounds to 1 and `exp`
    /// still fits float16.
    func sixteenBitSigmoid(_ x: String) throws -> String {
        let capped = try emit("Min", [x, constant(floats: [11], shape: [], "sigmoid_cap")], step: "SigmoidCap")
        let e = try emit("Exp", [capped], step: "SigmoidExp")
        let denominator = try emit("Add", [e, constant(floats: [1], shape: [], "one")], step: "SigmoidDenominator")
        return try emit("Div", [e, denominator], step: "Sigmoid")
    }

    /// TensorFlow's 16-bit ELU: `exp(x) − 1` below zero, each step rounded, times `alpha` (rounded)
    /// unless it is 1, as Keras' `elu(x, alpha)` does.
    func sixteenBitElu(_ x: String, alpha: Float = 1) throws -> String {
        var below = try emit("Sub", [try emit("Exp", [x], step: "EluExp"), constant(floats: [1], shape: [], "one")], step: "EluExpm1")
        if alpha != 1 { below = try emit("Mul", [below, constant(floats: [alpha], shape: [], "alpha")], step: "EluAlpha") }
        return try emit("Where", [try emit("Greater", [x, constant(floats: [0], shape: [], "zero")], step: "EluPositive"), x, below], step: "Elu")
    }

    /// TensorFlow's 16-bit leaky ReLU: `x` above zero, else `x · alpha` with `alpha` rounded to 16 bits.
    func sixteenBitLeakyRelu(_ x: String, alpha: Float) throws -> String {
        let below = try emit("Mul", [x, constant(floats: [alpha], shape: [], "alpha")], step: "LeakySlope")
        return try emit("Where", [try emit("Greater", [x, constant(floats: [0], shape: [], "zero")], step: "LeakyPositive"), x, below], step: "LeakyRelu")
    }

    /// TensorFlow's 16-bit GELU: `(0.5·x) · erfc(−x · 0.7071)`, each product rounded and erfc rounded
    /// once (computed here as `1 − erf` in float64, exact to far below 16-bit precision).
    func sixteenBitGelu(_ x: String) throws -> String {
        let z = try emit("Mul", [try emit("Neg", [x], step: "GeluNeg"), constant(floats: [0.7071067811865476], shape: [], "rsqrt2")], step: "GeluScale")
        let wide = try emit("Cast", [z], ["to": .int(DType.float64.onnxCode)], step: "GeluToFloat64")
        let one = try constant(try Tensor([Float(1)], shape: []).rounded(to: .float64), "one64")
        let erfc = try emit("Sub", [one, try emit("Erf", [wide], step: "GeluErf")], step: "GeluErfc")
        let narrow = try emit("Cast", [erfc], ["to": .int(computeDType.onnxCode)], step: "GeluErfcToComputeDType")
        let half = try emit("Mul", [x, constant(floats: [0.5], shape: [], "half")], step: "GeluHalf")
        return try emit("Mul", [half, narrow], step: "Gelu")
    }

    /// TensorFlow's 16-bit softplus: `x` above t, `exp(x)` below −t, else `log1p(exp(x))` with `exp(x)`
    /// rounded and `log1p` rounded once (computed here in float64). t is `−(log ε + 2)` rounded as
    /// TensorFlow rounds it: 7.0078125 for float16 (Eigen's ε = 2⁻¹³), 2.84375 for bfloat16 (ε = 2⁻⁷).
    func sixteenBitSoftplus(_ x: String) throws -> String {
        let threshold: Float = computeDType == .bfloat16 ? 2.84375 : 7.0078125
        let e = try emit("Exp", [x], step: "SoftplusExp")
        let wide = try emit("Cast", [e], ["to": .int(DType.float64.onnxCode)], step: "SoftplusToFloat64")
        let one = try constant(try Tensor([Float(1)], shape: []).rounded(to: .float64), "one64")
        let log1p = try emit("Log", [try emit("Add", [wide, one], step: "SoftplusOnePlus")], step: "SoftplusLog1p")
        let middle = try emit("Cast", [log1p], ["to": .int(computeDType.onnxCode)], step: "SoftplusToComputeDType")
        let small = try emit("Less", [x, constant(floats: [-threshold], shape: [], "low")], step: "SoftplusSmall")
        let large = try emit("Greater", [x, constant(floats: [threshold], shape: [], "high")], step: "SoftplusLarge")
        return try emit("Where", [large, x, try emit("Where", [small, e, middle], step: "SoftplusSmallOrMiddle")], step: "Softplus")
    }

    /// A Keras activation as TensorFlow computes it in float16 / bfloat16, where that differs from one
    /// correctly rounded op: each step of TensorFlow's formula is an op, rounded by the engine. Nil for
    /// the activations whose 16-bit result is the correctly rounded one (relu, tanh, exp…).
    func sixteenBitActivation(_ name: String, _ x: String) throws -> String? {
        switch name {
        case "sigmoid": return try sixteenBitSigmoid(x)
        case "silu", "swish": return try emit("Mul", [x, try sixteenBitSigmoid(x)], step: "Swish")
        case "elu": return try sixteenBitElu(x)
        case "gelu": return try sixteenBitGelu(x)
        case "softplus": return try sixteenBitSoftplus(x)
        case "leaky_relu": return try sixteenBitLeakyRelu(x, alpha: 0.2)
        case "selu":
            // scale · x above zero, scale·alpha · (exp(x) − 1) below, with both constants rounded.
            let expm1 = try emit("Sub", [try emit("Exp", [x], step: "SeluExp"), constant(floats: [1], shape: [], "one")], step: "SeluExpm1")
            let below = try emit("Mul", [constant(floats: [1.7580993408473768], shape: [], "scale_alpha"), expm1], step: "SeluBelow")
            let above = try emit("Mul", [constant(floats: [1.0507009873554805], shape: [], "scale"), x], step: "SeluAbove")
            return try emit("Where", [try emit("Less", [x, constant(floats: [0], shape: [], "zero")], step: "SeluNegative"), below, above], step: "Selu")
        case "celu":
            // ONNX defines Celu on float32 only; Strata's kernel computes a 16-bit Celu in float32 and
            // rounds once, so the casts change no value and keep an exported file valid.
            let wide = try cast(x, to: .float32, step: "CeluInput")
            return try cast(try emit("Celu", [wide], ["alpha": .float(1)]), to: computeDType, step: "CeluOutput")
        case "hard_sigmoid": return try sixteenBitHardSigmoid(x)
        case "hard_silu", "hard_swish":
            guard kerasMajor >= 3 else { return nil }
            return try emit("Mul", [x, try sixteenBitHardSigmoid(x)], step: "HardSwish")
        case "mish": return try emit("Mul", [x, try emit("Tanh", [try sixteenBitSoftplus(x)], step: "MishTanh")], step: "Mish")
        case "softsign":
            let denominator = try emit("Add", [try emit("Abs", [x], step: "SoftsignAbs"), constant(floats: [1], shape: [], "one")], step: "SoftsignDenominator")
            return try emit("Div", [x, denominator], step: "Softsign")
        case "log_sigmoid":
            return try emit("Neg", [try sixteenBitSoftplus(try emit("Neg", [x], step: "LogSigmoidNeg"))], step: "LogSigmoid")
        default: return nil
        }
    }

    /// Keras 3: `relu6(x + 3) / 6`; Keras 2: `clip(0.2·x + 0.5, 0, 1)`; each step rounded.
    func sixteenBitHardSigmoid(_ x: String) throws -> String {
        if kerasMajor >= 3 {
            let shifted = try emit("Add", [x, constant(floats: [3], shape: [], "three")], step: "HardSigmoidShift")
            return try emit("Div", [try clip(shifted, 0, 6), constant(floats: [6], shape: [], "six")], step: "HardSigmoid")
        }
        let scaled = try emit("Mul", [x, constant(floats: [0.2], shape: [], "slope")], step: "HardSigmoidScale")
        return try clip(try emit("Add", [scaled, constant(floats: [0.5], shape: [], "offset")], step: "HardSigmoidShift"), 0, 1)
    }
}
