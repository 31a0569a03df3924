/// The attribute of `Gather` and `GatherElements`: the axis indexed (default 0).
public struct GatherAttributes: OpAttributes {
    public static let names = ["axis"]

    public var axis: Int

    public init(node: Node) throws {
        axis = try node.int("axis", default: 0)
    }

    public var values: [String: Attribute] { ["axis": .int(axis)] }
}
