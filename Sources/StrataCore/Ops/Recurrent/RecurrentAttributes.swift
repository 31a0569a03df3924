/// The attributes of `RNN`, `GRU` and `LSTM`. `activations`, `activation_alpha` and
/// `activation_beta` are kept as given (the engine resolves them per direction against each
/// cell's default functions); the rest is checked here.
public struct RecurrentAttributes: OpAttributes {
    public enum Direction: String, Sendable, Hashable {
        case forward, reverse, bidirectional
    }

    public static let names = [
        "direction", "hidden_size", "layout", "clip", "activations", "activation_alpha", "activation_beta",
        "linear_before_reset", "input_forget",
    ]

    public var direction: Direction
    /// Positive when given; otherwise the weights tell.
    public var hiddenSize: Int?
    /// 0: `[seq, batch, …]`; 1: `[batch, seq, …]` (opset 14 on).
    public var layout: Int
    /// Positive when given.
    public var clip: Float?
    public var activations: [String]?
    public var activationAlpha: [Float]?
    public var activationBeta: [Float]?
    /// GRU only.
    public var linearBeforeReset: Bool
    /// LSTM only.
    public var inputForget: Bool

    public var directions: Int { direction == .bidirectional ? 2 : 1 }

    public init(node: Node) throws {
        let name = try node.string("direction", default: "forward")
        guard let direction = Direction(rawValue: name) else {
            throw node.attributeError("direction", "expected forward, reverse or bidirectional, got '\(name)'")
        }
        self.direction = direction
        hiddenSize = try node.int("hidden_size")
        if let h = hiddenSize, h <= 0 { throw node.attributeError("hidden_size", "must be positive, got \(h)") }
        layout = try node.int("layout", default: 0)
        guard layout == 0 || layout == 1 else { throw node.attributeError("layout", "must be 0 or 1, got \(layout)") }
        clip = try node.float("clip")
        if let c = clip, !(c > 0) { throw node.attributeError("clip", "must be positive, got \(c)") }
        activations = try node.strings("activations")
        activationAlpha = try node.floats("activation_alpha")
        activationBeta = try node.floats("activation_beta")
        linearBeforeReset = try node.flag("linear_before_reset", default: false)
        inputForget = try node.flag("input_forget", default: false)
    }

    public var values: [String: Attribute] {
        var v: [String: Attribute] = [
            "direction": .string(direction.rawValue), "layout": .int(layout),
            "linear_before_reset": .flag(linearBeforeReset), "input_forget": .flag(inputForget),
        ]
        if let hiddenSize { v["hidden_size"] = .int(hiddenSize) }
        if let clip { v["clip"] = .float(clip) }
        if let activations { v["activations"] = .strings(activations) }
        if let activationAlpha { v["activation_alpha"] = .floats(activationAlpha) }
        if let activationBeta { v["activation_beta"] = .floats(activationBeta) }
        return v
    }
}
