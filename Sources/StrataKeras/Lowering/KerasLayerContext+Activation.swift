import StrataCore

extension KerasLayerContext {
    /// Activations computed element by element (any layout gives the same result).
    static let elementwiseActivations: Set<String> = [
        "linear", "None", "relu", "relu6", "leaky_relu", "elu", "selu", "celu", "gelu", "sigmoid", "hard_sigmoid", "silu",
        "swish", "hard_silu", "hard_swish", "mish", "tanh", "hard_tanh", "softplus", "softsign", "exponential", "log_sigmoid",
    ]

    /// Whether the layer's `activation` option is absent or elementwise.
    var activationIsElementwise: Bool {
        guard let json = config["activation"], !json.isNull else { return true }
        let name = json.string ?? json["config"]?["name"]?.string ?? json["class_name"]?.string ?? ""
        return Self.elementwiseActivations.contains(name)
    }

    /// Applies the layer's `activation` option (layer-level `activation=`); "linear" or absent returns `value`.
    func applyActivationOption(_ value: String, key: String = "activation") throws -> String {
        guard let json = config[key], !json.isNull else { return value }
        let name: String
        if let s = json.string {
            name = s
        } else if let s = json["config"]?["name"]?.string ?? json["class_name"]?.string {
            name = s
        } else {
            throw optionError(key, "is neither a name nor a serialized activation", kind: .invalidModel)
        }
        return try activation(name, value, key: key)
    }

    /// A built-in Keras activation by name, as ONNX ops.
    func activation(_ name: String, _ x: String, key: String = "activation") throws -> String {
        switch name {
        case "linear", "None": return x
        case "relu": return try emit("Relu", [x])
        case "relu6": return try clip(x, 0, 6)
        case "leaky_relu": return try emit("LeakyRelu", [x], ["alpha": .float(0.2)])
        case "elu": return computesIn16Bits ? try sixteenBitElu(x) : try emit("Elu", [x], ["alpha": .float(1)])
        case "selu": return try emit("Selu", [x])
        case "celu": return try emit("Celu", [x], ["alpha": .float(1)])
        case "gelu": return computesIn16Bits ? try sixteenBitGelu(x) : try emit("Gelu", [x])
        case "sigmoid": return try sigmoid(x)
        case "hard_sigmoid":
            // Keras 2: clip(0.2x + 0.5); Keras 3: relu6(x + 3) / 6.
            let alpha: Float = kerasMajor >= 3 ? 1.0 / 6.0 : 0.2
            return try emit("HardSigmoid", [x], ["alpha": .float(alpha), "beta": .float(0.5)])
        case "silu", "swish": return try emit("Mul", [x, try sigmoid(x)], step: "Swish")
        case "hard_silu", "hard_swish": return try emit("HardSwish", [x])
        case "mish": return try emit("Mish", [x])
        case "tanh": return try emit("Tanh", [x])
        case "hard_tanh": return try clip(x, -1, 1)
        case "softmax": return try emit("Softmax", [x], ["axis": .int(-1)])
        case "log_softmax": return try emit("LogSoftmax", [x], ["axis": .int(-1)])
        case "softplus": return computesIn16Bits ? try sixteenBitSoftplus(x) : try emit("Softplus", [x])
        case "softsign": return try emit("Softsign", [x])
        case "exponential": return try emit("Exp", [x])
        case "log_sigmoid": return try emit("Neg", [try emit("Softplus", [try emit("Neg", [x])])], step: "LogSigmoid")
        default: throw optionError(key, "activation '\(name)' is not supported")
        }
    }

    /// Whether the layer computes in float16 or bfloat16, where TensorFlow's activation kernels round
    /// every step of their own formulas (reproduced below, each step an op rounded by the engine).
    var computesIn16Bits: Bool { computeDType == .float16 || computeDType == .bfloat16 }

    /// The logistic function. In 16 bits it is TensorFlow's: `e / (1 + e)` with `e = exp(x)`, each step
    /// rounded (which is not the correctly rounded logistic); `x` is capped at 11, where the quotient
    /// already rounds to 1 and `exp` still fits float16.
    func sigmoid(_ x: String) throws -> String {
        guard computesIn16Bits else { return try emit("Sigmoid", [x]) }
        let capped = try emit("Min", [x, constant(floats: [11], shape: [], "sigmoid_cap")], step: "SigmoidCap")
        let e = try emit("Exp", [capped], step: "SigmoidExp")
        let denominator = try emit("Add", [e, constant(floats: [1], shape: [], "one")], step: "SigmoidDenominator")
        return try emit("Div", [e, denominator], step: "Sigmoid")
    }

    /// TensorFlow's 16-bit ELU: `exp(x) − 1` below zero, each step rounded.
    func sixteenBitElu(_ x: String) throws -> String {
        let below = try emit("Sub", [try emit("Exp", [x], step: "EluExp"), constant(floats: [1], shape: [], "one")], step: "EluExpm1")
        let positive = try emit("Greater", [x, constant(floats: [0], shape: [], "zero")], step: "EluPositive")
        return try emit("Where", [positive, x, below], step: "Elu")
    }

    /// TensorFlow's 16-bit GELU: `(0.5·x) · erfc(−x · 0.7071)`, each product rounded and erfc rounded
    /// once (computed here as `1 − erf` in float64, exact to far below 16-bit precision).
    func sixteenBitGelu(_ x: String) throws -> String {
        let z = try emit("Mul", [try emit("Neg", [x], step: "GeluNeg"), constant(floats: [0.7071067811865476], shape: [], "rsqrt2")], step: "GeluScale")
        let wide = try emit("Cast", [z], ["to": .int(DType.float64.onnxCode)], step: "GeluToFloat64")
        let one = constant(Tensor([Float(1)], shape: []).rounded(to: .float64), "one64")
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
        let one = constant(Tensor([Float(1)], shape: []).rounded(to: .float64), "one64")
        let log1p = try emit("Log", [try emit("Add", [wide, one], step: "SoftplusOnePlus")], step: "SoftplusLog1p")
        let middle = try emit("Cast", [log1p], ["to": .int(computeDType.onnxCode)], step: "SoftplusToComputeDType")
        let small = try emit("Less", [x, constant(floats: [-threshold], shape: [], "low")], step: "SoftplusSmall")
        let large = try emit("Greater", [x, constant(floats: [threshold], shape: [], "high")], step: "SoftplusLarge")
        return try emit("Where", [large, x, try emit("Where", [small, e, middle], step: "SoftplusSmallOrMiddle")], step: "Softplus")
    }

    /// `min(max(x, low), high)`.
    func clip(_ x: String, _ low: Float, _ high: Float) throws -> String {
        try emit("Clip", [x, constant(floats: [low], shape: [], "min"), constant(floats: [high], shape: [], "max")])
    }
}
