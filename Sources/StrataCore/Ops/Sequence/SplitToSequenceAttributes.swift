/// `SplitToSequence`'s attributes: the `axis` to split along (default 0, negative counts from the
/// end) and `keepdims` (default true), which applies only when no `split` input is given: false
/// removes the split axis from each size-1 piece.
public struct SplitToSequenceAttributes: OpAttributes {
    public static let names = ["axis", "keepdims"]

    public var axis: Int
    public var keepdims: Bool

    public init(node: Node) throws {
        axis = try node.int("axis", default: 0)
        keepdims = try node.flag("keepdims", default: true)
    }

    public var values: [String: Attribute] { ["axis": .int(axis), "keepdims": .flag(keepdims)] }
}
