/// The attribute of `Constant`: its `value` tensor, which the node must hold. Importers rewrite the
/// numeric shorthands (`value_float`, `value_floats`, `value_int`, `value_ints`) into `value` and
/// reject the string and sparse forms, so only `value` is read here.
public struct ConstantAttributes: OpAttributes {
    public static let names = ["value"]

    public var value: Tensor

    public init(node: Node) throws {
        guard let value = try node.tensor("value") else {
            throw node.error("only the 'value' form of Constant is supported", kind: .unsupported)
        }
        self.value = value
    }

    public var values: [String: Attribute] { ["value": .tensor(value)] }

    public static func == (a: Self, b: Self) -> Bool { a.value.hasSameContents(as: b.value) }
}
