/// The attribute of `CausalConvWithState` (opset 27): the activation fused after the convolution,
/// `none` or SiLU (`silu`, also spelled `swish`).
public struct CausalConvWithStateAttributes: OpAttributes {
    public static let names = ["activation"]

    public var silu: Bool

    public init(node: Node) throws {
        let name = try node.string("activation", default: "none")
        switch name {
        case "none": silu = false
        case "silu", "swish": silu = true
        default: throw node.attributeError("activation", "must be 'none', 'silu' or 'swish', found '\(name)'")
        }
    }

    public var values: [String: Attribute] { ["activation": .string(silu ? "silu" : "none")] }
}
