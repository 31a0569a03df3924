/// The attributes of `TensorScatter`: the cache axis written along (`axis`, default -2; checked
/// against the cache's rank when it is known) and `mode` "linear" (default) or "circular".
public struct TensorScatterAttributes: OpAttributes {
    public static let names = ["axis", "mode"]

    public var axis: Int
    /// Write positions wrap modulo the cache length ("circular").
    public var circular: Bool

    public init(node: Node) throws {
        axis = try node.int("axis", default: -2)
        let mode = try node.string("mode", default: "linear")
        guard mode == "linear" || mode == "circular" else {
            throw node.attributeError("mode", "must be linear or circular, found '\(mode)'")
        }
        circular = mode == "circular"
    }

    public var values: [String: Attribute] { ["axis": .int(axis), "mode": .string(circular ? "circular" : "linear")] }
}
