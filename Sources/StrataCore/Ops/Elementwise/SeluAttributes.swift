/// The attributes of `Selu`: `gamma · (alpha · (exp(x) − 1))` below 0, `gamma · x` above.
public struct SeluAttributes: OpAttributes {
    public static let names = ["alpha", "gamma"]

    public var alpha: Float
    public var gamma: Float

    public init(node: Node) throws {
        alpha = try node.float("alpha", default: 1.67326319217681884765625)
        gamma = try node.float("gamma", default: 1.05070102214813232421875)
    }

    public var values: [String: Attribute] { ["alpha": .float(alpha), "gamma": .float(gamma)] }
}
