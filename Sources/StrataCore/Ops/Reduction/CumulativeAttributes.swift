/// The attributes of `CumSum` and `CumProd`.
public struct CumulativeAttributes: OpAttributes {
    public static let names = ["exclusive", "reverse"]

    /// Each output leaves out its own element.
    public var exclusive: Bool
    /// Accumulate from the end of the axis.
    public var reverse: Bool

    public init(node: Node) throws {
        exclusive = try node.flag("exclusive", default: false)
        reverse = try node.flag("reverse", default: false)
    }

    public var values: [String: Attribute] { ["exclusive": .flag(exclusive), "reverse": .flag(reverse)] }
}
