/// The attributes of `Conv`, `ConvInteger`, `QLinearConv` and `DeformConv`: the window and the
/// number of groups (positive); `DeformConv` adds `offset_group`.
public struct ConvAttributes: OpAttributes {
    public static let names = WindowAttributes.names + ["group", "offset_group"]

    public var window: WindowAttributes
    public var group: Int
    /// `DeformConv`'s groups of offsets (1 for the other ops).
    public var offsetGroup: Int

    public init(node: Node) throws {
        window = try node.typed(WindowAttributes.self)
        group = try node.int("group", default: 1)
        guard group >= 1 else { throw node.attributeError("group", "must be positive, found \(group)") }
        offsetGroup = node.opType == "DeformConv" ? try node.int("offset_group", default: 1) : 1
        guard offsetGroup >= 1 else { throw node.attributeError("offset_group", "must be positive, found \(offsetGroup)") }
    }

    public var values: [String: Attribute] {
        var v = window.values
        v["group"] = .int(group)
        v["offset_group"] = .int(offsetGroup)
        return v
    }
}
