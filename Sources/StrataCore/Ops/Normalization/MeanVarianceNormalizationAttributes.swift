/// The attribute of `MeanVarianceNormalization`: the axes the statistics run over.
public struct MeanVarianceNormalizationAttributes: OpAttributes {
    public static let names = ["axes"]

    public var axes: [Int]

    public init(node: Node) throws {
        axes = try node.ints("axes") ?? [0, 2, 3]
    }

    public var values: [String: Attribute] { ["axes": .ints(axes)] }
}
