/// The attributes of `Unique`: the axis (nil flattens the input) and whether the unique values are
/// sorted (1, default) or in order of first occurrence (0).
public struct UniqueAttributes: OpAttributes {
    public static let names = ["axis", "sorted"]

    public var axis: Int?
    public var sorted: Bool

    public init(node: Node) throws {
        axis = try node.int("axis")
        let flag = try node.int("sorted", default: 1)
        guard flag == 0 || flag == 1 else { throw node.attributeError("sorted", "must be 0 or 1, found \(flag)") }
        sorted = flag == 1
    }

    public var values: [String: Attribute] {
        var v: [String: Attribute] = ["sorted": .flag(sorted)]
        if let axis { v["axis"] = .int(axis) }
        return v
    }
}
