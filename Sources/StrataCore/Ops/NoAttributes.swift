/// The attributes of an op that has none.
public struct NoAttributes: OpAttributes {
    public static let names: [String] = []
    public init(node: Node) {}
    public var values: [String: Attribute] { [:] }
}
