/// The attributes of `BatchNormalization`. `momentum` only matters in training mode; `spatial`
/// (before opset 9) 0 normalises per feature rather than per channel; `training_mode` (opset 14 on).
public struct BatchNormalizationAttributes: OpAttributes {
    public static let names = ["epsilon", "momentum", "spatial", "training_mode"]

    public var epsilon: Float
    public var momentum: Float
    public var spatial: Bool
    public var trainingMode: Bool

    public init(node: Node) throws {
        epsilon = try node.float("epsilon", default: 1e-5)
        momentum = try node.float("momentum", default: 0.9)
        spatial = try node.flag("spatial", default: true)
        trainingMode = node.opset >= 14 ? try node.flag("training_mode", default: false) : false
    }

    public var values: [String: Attribute] {
        ["epsilon": .float(epsilon), "momentum": .float(momentum), "spatial": .flag(spatial), "training_mode": .flag(trainingMode)]
    }
}
