/// The attributes of `Gelu`: exact (`erf`) or the `tanh` approximation.
public struct GeluAttributes: OpAttributes {
    public static let names = ["approximate"]

    public var tanhApproximation: Bool

    public init(node: Node) throws {
        switch try node.string("approximate", default: "none") {
        case "none": tanhApproximation = false
        case "tanh": tanhApproximation = true
        case let other: throw node.attributeError("approximate", "expected 'none' or 'tanh', found '\(other)'")
        }
    }

    public var values: [String: Attribute] { ["approximate": .string(tanhApproximation ? "tanh" : "none")] }
}
