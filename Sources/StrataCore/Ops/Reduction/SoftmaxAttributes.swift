/// The attributes of `Softmax`, `LogSoftmax` and `Hardmax`: the axis they normalise along. Before
/// opset 13 the input is flattened to 2-D at `axis` (default 1); from 13 on `axis` (default -1) is a
/// single axis.
public struct SoftmaxAttributes: OpAttributes {
    public static let names = ["axis"]

    public var axis: Int

    public init(node: Node) throws {
        axis = try node.int("axis", default: node.opset >= 13 ? -1 : 1)
    }

    public var values: [String: Attribute] { ["axis": .int(axis)] }
}
