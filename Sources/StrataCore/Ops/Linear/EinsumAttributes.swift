/// The attribute of `Einsum`: its equation, required, parsed.
public struct EinsumAttributes: OpAttributes {
    public static let names = ["equation"]

    public var text: String
    public var equation: EinsumEquation

    public init(node: Node) throws {
        guard let text = try node.string("equation") else { throw node.missing("equation") }
        self.text = text
        equation = try EinsumEquation(text, node: node)
    }

    public var values: [String: Attribute] { ["equation": .string(text)] }
}
