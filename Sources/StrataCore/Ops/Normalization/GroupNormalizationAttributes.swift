/// The attributes of `GroupNormalization`: the number of groups (required, positive), the epsilon
/// and the statistics' dtype (`stash_type`, opset 21 on).
public struct GroupNormalizationAttributes: OpAttributes {
    public static let names = ["num_groups", "epsilon", "stash_type"]

    public var groups: Int
    public var epsilon: Float
    public var stashType: DType

    public init(node: Node) throws {
        groups = try node.requiredInt("num_groups")
        guard groups > 0 else { throw node.attributeError("num_groups", "must be positive, got \(groups)") }
        epsilon = try node.float("epsilon", default: 1e-5)
        stashType = try LayerNormalizationAttributes.stashType(node)
    }

    public var values: [String: Attribute] {
        ["num_groups": .int(groups), "epsilon": .float(epsilon), "stash_type": .int(stashType.onnxCode)]
    }
}
