/// The attribute of `InstanceNormalization`: its epsilon.
public struct InstanceNormalizationAttributes: OpAttributes {
    public static let names = ["epsilon"]

    public var epsilon: Float

    public init(node: Node) throws {
        epsilon = try node.float("epsilon", default: 1e-5)
    }

    public var values: [String: Attribute] { ["epsilon": .float(epsilon)] }
}
