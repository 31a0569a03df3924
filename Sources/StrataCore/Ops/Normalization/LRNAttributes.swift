/// The attributes of `LRN`: the window `size` across channels (required, positive) and the
/// `alpha`, `beta`, `bias` of `x / (bias + alpha / size · Σ x²)^beta`.
public struct LRNAttributes: OpAttributes {
    public static let names = ["size", "alpha", "beta", "bias"]

    public var size: Int
    public var alpha: Float
    public var beta: Float
    public var bias: Float

    public init(node: Node) throws {
        size = try node.requiredInt("size")
        guard size > 0 else { throw node.attributeError("size", "must be positive, got \(size)") }
        alpha = try node.float("alpha", default: 1e-4)
        beta = try node.float("beta", default: 0.75)
        bias = try node.float("bias", default: 1.0)
    }

    public var values: [String: Attribute] {
        ["size": .int(size), "alpha": .float(alpha), "beta": .float(beta), "bias": .float(bias)]
    }
}
