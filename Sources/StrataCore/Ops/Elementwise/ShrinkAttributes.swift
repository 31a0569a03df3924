/// The attributes of `Shrink`: `x + bias` below `-lambd`, `x - bias` above `lambd`, 0 between.
public struct ShrinkAttributes: OpAttributes {
    public static let names = ["bias", "lambd"]

    public var bias: Float
    /// Not negative.
    public var lambd: Float

    public init(node: Node) throws {
        lambd = try node.float("lambd", default: 0.5)
        guard lambd >= 0 else { throw node.attributeError("lambd", "must not be negative, found \(Double(lambd))") }
        bias = try node.float("bias", default: 0)
    }

    public var values: [String: Attribute] { ["bias": .float(bias), "lambd": .float(lambd)] }
}
