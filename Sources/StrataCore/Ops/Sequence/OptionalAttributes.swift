/// `Optional`'s `type`: the type of the value the optional holds (a tensor or a sequence type),
/// required when the node has no input (an empty optional), optional otherwise.
public struct OptionalAttributes: OpAttributes {
    public static let names = ["type"]

    public var type: ValueType?

    public init(node: Node) throws {
        guard let attribute = node.attributes["type"] else {
            type = nil
            return
        }
        guard case .type(let type) = attribute else {
            throw node.attributeError("type", "expected type, found \(attribute.typeName)")
        }
        guard type.isTensor || (type.isSequence && type.containers.count == 1) else {
            throw node.attributeError("type", "an optional holds a tensor or a sequence of tensors, not \(type)", kind: .unsupported)
        }
        self.type = type
    }

    public var values: [String: Attribute] { type.map { ["type": .type($0)] } ?? [:] }
}
