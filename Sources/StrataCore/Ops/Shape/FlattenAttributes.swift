/// The attribute of `Flatten`: the axis where the input is split into the two output dimensions.
public struct FlattenAttributes: OpAttributes {
    public static let names = ["axis"]

    public var axis: Int

    public init(node: Node) throws {
        axis = try node.int("axis", default: 1)
    }

    /// The split point in `[0, rank]` (negative axes count from the back).
    public func splitPoint(rank: Int, node: Node) throws -> Int {
        let a = axis < 0 ? axis + rank : axis
        guard a >= 0 && a <= rank else {
            throw node.attributeError("axis", "axis \(axis) is out of range for rank \(rank)")
        }
        return a
    }

    public var values: [String: Attribute] { ["axis": .int(axis)] }
}
