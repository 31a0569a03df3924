/// The one attribute of `LeakyRelu`, `Elu`, `Celu`, `ThresholdedRelu`, `Swish` and `SwiGLU`:
/// `alpha`, with each op's default. `Celu` refuses 0 (it divides by alpha).
public struct AlphaAttributes: OpAttributes {
    public static let names = ["alpha"]

    public var alpha: Float

    /// The spec's default `alpha` of `opType`.
    public static func defaultAlpha(_ opType: String) -> Float {
        opType == "LeakyRelu" || opType == "QLinearLeakyRelu" ? 0.01 : 1
    }

    public init(node: Node) throws {
        alpha = try node.float("alpha", default: Self.defaultAlpha(node.opType))
        if node.opType == "Celu", alpha == 0 { throw node.attributeError("alpha", "must not be 0") }
    }

    public var values: [String: Attribute] { ["alpha": .float(alpha)] }
}
