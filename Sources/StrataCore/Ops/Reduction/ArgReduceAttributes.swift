/// The attributes of `ArgMax` and `ArgMin`.
public struct ArgReduceAttributes: OpAttributes {
    public static let names = ["axis", "keepdims", "select_last_index"]

    public var axis: Int
    public var keepDims: Bool
    /// Report the last of equal extremes instead of the first (opset 12 on).
    public var selectLastIndex: Bool

    public init(node: Node) throws {
        axis = try node.int("axis", default: 0)
        keepDims = try node.flag("keepdims", default: true)
        selectLastIndex = try node.flag("select_last_index", default: false)
    }

    public var values: [String: Attribute] {
        ["axis": .int(axis), "keepdims": .flag(keepDims), "select_last_index": .flag(selectLastIndex)]
    }
}
