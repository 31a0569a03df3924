/// The attribute of `Squeeze` and `Unsqueeze` before opset 13: the `axes` list. From opset 13 the
/// axes are input 1 and `axes` is nil.
public struct AxesAttributes: OpAttributes {
    public static let names = ["axes"]

    public var axes: [Int]?

    public init(node: Node) throws {
        axes = node.opset < 13 ? try node.ints("axes") : nil
    }

    public var values: [String: Attribute] { axes.map { ["axes": .ints($0)] } ?? [:] }
}
