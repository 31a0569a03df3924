/// The attributes of `MaxPool`, `AveragePool` and `LpPool`: the window, plus `storage_order`
/// (MaxPool: 0 or 1), `count_include_pad` (AveragePool) and `p` (LpPool, positive).
public struct PoolAttributes: OpAttributes {
    public static let names = WindowAttributes.names + ["storage_order", "count_include_pad", "p"]

    public var window: WindowAttributes
    /// MaxPool's `storage_order` 1: `Indices` numbered column-major within each plane.
    public var columnMajorIndices: Bool
    public var countIncludePad: Bool
    /// LpPool's norm order.
    public var p: Int

    public init(node: Node) throws {
        window = try node.typed(WindowAttributes.self)
        let order = try node.int("storage_order", default: 0)
        guard order == 0 || order == 1 else { throw node.attributeError("storage_order", "must be 0 or 1, found \(order)") }
        columnMajorIndices = order == 1
        countIncludePad = try node.flag("count_include_pad", default: false)
        p = try node.int("p", default: 2)
        if node.opType == "LpPool", p < 1 { throw node.attributeError("p", "must be positive, found \(p)") }
    }

    public var values: [String: Attribute] {
        var v = window.values
        v["storage_order"] = .flag(columnMajorIndices)
        v["count_include_pad"] = .flag(countIncludePad)
        v["p"] = .int(p)
        return v
    }
}
