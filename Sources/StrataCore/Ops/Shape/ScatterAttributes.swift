/// The attributes of `ScatterElements`, `Scatter` and `ScatterND`: the axis (not ScatterND;
/// default 0) and how an update combines with the value in place: `none` replaces, `add`/`mul`
/// from opset 16, `max`/`min` from 18.
public struct ScatterAttributes: OpAttributes {
    public enum Reduction: String, Sendable, Hashable { case none, add, mul, max, min }

    public static let names = ["axis", "reduction"]

    public var axis: Int
    public var reduction: Reduction

    public init(node: Node) throws {
        axis = try node.int("axis", default: 0)
        let name = node.opset >= 16 ? try node.string("reduction", default: "none") : "none"
        guard let r = Reduction(rawValue: name), node.opset >= 18 || (r != .max && r != .min) else {
            throw node.attributeError("reduction", "unknown reduction '\(name)'")
        }
        reduction = r
    }

    public var values: [String: Attribute] { ["axis": .int(axis), "reduction": .string(reduction.rawValue)] }
}
