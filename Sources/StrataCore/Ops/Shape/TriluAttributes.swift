/// The attribute of `Trilu`: keep the upper triangle (default) or the lower.
public struct TriluAttributes: OpAttributes {
    public static let names = ["upper"]

    public var upper: Bool

    public init(node: Node) throws {
        upper = try node.flag("upper", default: true)
    }

    public var values: [String: Attribute] { ["upper": .flag(upper)] }
}
