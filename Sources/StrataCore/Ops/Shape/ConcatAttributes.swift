/// The attribute of `Concat`: the axis, required from opset 4 (default 1 before).
public struct ConcatAttributes: OpAttributes {
    public static let names = ["axis"]

    public var axis: Int

    public init(node: Node) throws {
        axis = node.opset < 4 ? try node.int("axis", default: 1) : try node.requiredInt("axis")
    }

    public var values: [String: Attribute] { ["axis": .int(axis)] }
}
