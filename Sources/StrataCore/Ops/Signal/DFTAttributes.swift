/// The attributes of `DFT`: `inverse` and `onesided` (both default 0), and before opset 20 the
/// transformed `axis` (default 1; opset 20 moved it to an optional input).
public struct DFTAttributes: OpAttributes {
    public static let names = ["inverse", "onesided", "axis"]

    public var inverse: Bool
    public var onesided: Bool
    /// The `axis` attribute (opset 17–19); nil from opset 20, where the axis is an input.
    public var axis: Int?

    public init(node: Node) throws {
        inverse = try node.flag("inverse", default: false)
        onesided = try node.flag("onesided", default: false)
        axis = node.opset < 20 ? try node.int("axis", default: 1) : nil
    }

    public var values: [String: Attribute] {
        var v: [String: Attribute] = ["inverse": .flag(inverse), "onesided": .flag(onesided)]
        if let axis { v["axis"] = .int(axis) }
        return v
    }
}
