/// The attribute of `BitShift`: the direction, required.
public struct BitShiftAttributes: OpAttributes {
    public static let names = ["direction"]

    public var left: Bool

    public init(node: Node) throws {
        switch try node.string("direction") {
        case "LEFT": left = true
        case "RIGHT": left = false
        case let other?: throw node.attributeError("direction", "expected LEFT or RIGHT, found '\(other)'")
        case nil: throw node.missing("direction")
        }
    }

    public var values: [String: Attribute] { ["direction": .string(left ? "LEFT" : "RIGHT")] }
}
