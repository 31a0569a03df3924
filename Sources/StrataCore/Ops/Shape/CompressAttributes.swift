/// The attribute of `Compress`: the axis selected along; nil flattens the input first.
public struct CompressAttributes: OpAttributes {
    public static let names = ["axis"]

    public var axis: Int?

    public init(node: Node) throws {
        axis = try node.int("axis")
    }

    public var values: [String: Attribute] { axis.map { ["axis": .int($0)] } ?? [:] }
}
