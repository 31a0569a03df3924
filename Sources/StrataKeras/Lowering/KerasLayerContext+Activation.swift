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
        if computesIn16Bits, let y = try sixteenBitActivation(name, x) { return y }
        switch name {
        case "linear", "None": return x
        case "relu": return try emit("Relu", [x])
        case "relu6": return try clip(x, 0, 6)
        case "leaky_relu": return try emit("LeakyRelu", [x], ["alpha": .float(0.2)])
        case "elu": return try emit("Elu", [x], ["alpha": .float(1)])
        case "selu": return try emit("Selu", [x])
        case "celu": return try emit("Celu", [x], ["alpha": .float(1)])
        case "gelu": return try emit("Gelu", [x])
        case "sigmoid": return try emit("Sigmoid", [x])
        case "hard_sigmoid":
            // Keras 2: clip(0.2x + 0.5); Keras 3: relu6(x + 3) / 6.
            let alpha: Float = kerasMajor >= 3 ? 1.0 / 6.0 : 0.2
            return try emit("HardSigmoid", [x], ["alpha": .float(alpha), "beta": .float(0.5)])
        case "silu", "swish": return try emit("Mul", [x, try emit("Sigmoid", [x])], step: "Swish")
        case "hard_silu", "hard_swish": return try emit("HardSwish", [x])
        case "mish": return try emit("Mish", [x])
        case "tanh": return try emit("Tanh", [x])
        case "hard_tanh": return try clip(x, -1, 1)
        case "softmax": return try emit("Softmax", [x], ["axis": .int(-1)])
        case "log_softmax": return try emit("LogSoftmax", [x], ["axis": .int(-1)])
        case "softplus": return try emit("Softplus", [x])
        case "softsign": return try emit("Softsign", [x])
        case "exponential": return try emit("Exp", [x])
        case "log_sigmoid": return try emit("Neg", [try emit("Softplus", [try emit("Neg", [x])])], step: "LogSigmoid")
        default: throw optionError(key, "activation '\(name)' is not supported")
        }
    }

    /// `min(max(x, low), high)`.
    func clip(_ x: String, _ low: Float, _ high: Float) throws -> String {
        try emit("Clip", [x, constant(floats: [low], shape: [], "min"), constant(floats: [high], shape: [], "max")])
    }
}
