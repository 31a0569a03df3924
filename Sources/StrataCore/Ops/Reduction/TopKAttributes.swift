/// The attributes of `TopK`. Before opset 10, `k` is a required attribute; from 10 on it is input 1
/// and `kAttribute` is nil.
public struct TopKAttributes: OpAttributes {
    public static let names = ["axis", "largest", "sorted", "k"]

    public var axis: Int
    /// The largest elements (else the smallest; opset 11 on).
    public var largest: Bool
    /// Output in sorted order (opset 11 on). Strata always sorts, which the spec allows.
    public var sorted: Bool
    public var kAttribute: Int?

    public init(node: Node) throws {
        axis = try node.int("axis", default: -1)
        largest = try node.flag("largest", default: true)
        sorted = try node.flag("sorted", default: true)
        kAttribute = node.opset < 10 ? try node.requiredInt("k") : nil
    }

    public var values: [String: Attribute] {
        var v: [String: Attribute] = ["axis": .int(axis), "largest": .flag(largest), "sorted": .flag(sorted)]
        if let kAttribute { v["k"] = .int(kAttribute) }
        return v
    }
}
