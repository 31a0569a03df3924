/// The attributes of `Split`: the axis, the `split` sizes (an attribute before opset 13, input 1
/// after) and `num_outputs` (opset 18 on).
public struct SplitAttributes: OpAttributes {
    public static let names = ["axis", "split", "num_outputs"]

    public var axis: Int
    public var split: [Int]?
    public var numOutputs: Int?

    public init(node: Node) throws {
        axis = try node.int("axis", default: 0)
        split = node.opset < 13 ? try node.ints("split") : nil
        numOutputs = node.opset >= 18 ? try node.int("num_outputs") : nil
    }

    public var values: [String: Attribute] {
        var v: [String: Attribute] = ["axis": .int(axis)]
        if let split { v["split"] = .ints(split) }
        if let numOutputs { v["num_outputs"] = .int(numOutputs) }
        return v
    }
}
