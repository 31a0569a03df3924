/// The attribute of `OneHot`: where the depth axis is inserted (default -1, the last).
public struct OneHotAttributes: OpAttributes {
    public static let names = ["axis"]

    public var axis: Int

    public init(node: Node) throws {
        axis = try node.int("axis", default: -1)
    }

    /// The output axis in `[0, r]` for indices of rank `r`.
    public func insertionAxis(indicesRank r: Int, node: Node) throws -> Int {
        let a = axis < 0 ? axis + r + 1 : axis
        guard a >= 0 && a <= r else { throw node.attributeError("axis", "axis \(axis) is out of range for rank \(r + 1)") }
        return a
    }

    public var values: [String: Attribute] { ["axis": .int(axis)] }
}
