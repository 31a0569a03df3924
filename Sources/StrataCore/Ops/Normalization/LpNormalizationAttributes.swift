/// The attributes of `LpNormalization`: the axis and the norm order `p` (1 or 2).
public struct LpNormalizationAttributes: OpAttributes {
    public static let names = ["axis", "p"]

    public var axis: Int
    public var p: Int

    public init(node: Node) throws {
        axis = try node.int("axis", default: -1)
        p = try node.int("p", default: 2)
        guard p == 1 || p == 2 else { throw node.attributeError("p", "must be 1 or 2, got \(p)") }
    }

    public var values: [String: Attribute] { ["axis": .int(axis), "p": .int(p)] }
}
