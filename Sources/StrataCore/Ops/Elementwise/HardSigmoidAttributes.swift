/// The attributes of `HardSigmoid`: `max(0, min(1, alpha · x + beta))`.
public struct HardSigmoidAttributes: OpAttributes {
    public static let names = ["alpha", "beta"]

    public var alpha: Float
    public var beta: Float

    public init(node: Node) throws {
        alpha = try node.float("alpha", default: 0.2)
        beta = try node.float("beta", default: 0.5)
    }

    public var values: [String: Attribute] { ["alpha": .float(alpha), "beta": .float(beta)] }
}
