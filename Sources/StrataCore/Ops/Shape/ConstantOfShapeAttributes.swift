/// The attribute of `ConstantOfShape`: the one-element `value` that fills the output, with its
/// dtype (default: float32 zero).
public struct ConstantOfShapeAttributes: OpAttributes {
    public static let names = ["value"]

    /// One element; its dtype is the output's.
    public var value: Tensor

    public init(node: Node) throws {
        if let v = try node.tensor("value") {
            guard v.count == 1 else { throw node.attributeError("value", "must hold one element, found \(v.count)") }
            value = v
        } else {
            value = .scalar(Float(0))
        }
    }

    public var values: [String: Attribute] { ["value": .tensor(value)] }

    public static func == (a: Self, b: Self) -> Bool { a.value.hasSameContents(as: b.value) }
}
