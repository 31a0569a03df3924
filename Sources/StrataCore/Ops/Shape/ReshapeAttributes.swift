/// The attributes of `Reshape`: `allowzero` (opset 14 on: a 0 in the shape is a real 0 rather
/// than "copy this dimension"), and before opset 5 the target shape itself.
public struct ReshapeAttributes: OpAttributes {
    public static let names = ["allowzero", "shape"]

    public var allowZero: Bool
    /// The `shape` attribute (opset < 5); nil from opset 5 on, where the shape is input 1.
    public var shape: [Int]?

    public init(node: Node) throws {
        allowZero = node.opset >= 14 ? try node.flag("allowzero", default: false) : false
        if node.opset < 5 {
            guard let shape = try node.ints("shape") else { throw node.missing("shape") }
            self.shape = shape
        } else {
            shape = nil
        }
    }

    public var values: [String: Attribute] {
        var v: [String: Attribute] = ["allowzero": .flag(allowZero)]
        if let shape { v["shape"] = .ints(shape) }
        return v
    }
}
