/// The attribute of `AffineGrid`: `align_corners` (default 0) puts the normalised coordinates -1
/// and 1 on the centres of the corner pixels rather than on their outer edges.
public struct AffineGridAttributes: OpAttributes {
    public static let names = ["align_corners"]

    public var alignCorners: Bool

    public init(node: Node) throws {
        alignCorners = try node.int("align_corners", default: 0) != 0
    }

    public var values: [String: Attribute] { ["align_corners": .flag(alignCorners)] }
}
