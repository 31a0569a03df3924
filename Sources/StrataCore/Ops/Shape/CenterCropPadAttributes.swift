/// The attribute of `CenterCropPad`: the axes the target shape applies to (default all).
public struct CenterCropPadAttributes: OpAttributes {
    public static let names = ["axes"]

    public var axes: [Int]?

    public init(node: Node) throws {
        axes = try node.ints("axes")
    }

    public var values: [String: Attribute] { axes.map { ["axes": .ints($0)] } ?? [:] }
}
