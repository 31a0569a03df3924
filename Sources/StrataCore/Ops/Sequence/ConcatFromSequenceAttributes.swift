/// `ConcatFromSequence`'s attributes: the required `axis` and `new_axis` (default false). With
/// `new_axis` the elements are stacked along a new axis `axis` (in `[-r-1, r]` for elements of
/// rank r); without it they are concatenated along the existing `axis` (in `[-r, r-1]`).
public struct ConcatFromSequenceAttributes: OpAttributes {
    public static let names = ["axis", "new_axis"]

    public var axis: Int
    public var newAxis: Bool

    public init(node: Node) throws {
        axis = try node.requiredInt("axis")
        newAxis = try node.flag("new_axis", default: false)
    }

    public var values: [String: Attribute] { ["axis": .int(axis), "new_axis": .flag(newAxis)] }

    /// `axis` made non-negative for elements of rank `rank`; throws when it is out of range.
    public func resolvedAxis(rank: Int, node: Node) throws -> Int {
        let limit = newAxis ? rank + 1 : rank
        guard axis >= -limit && axis < limit else {
            throw node.attributeError("axis", "\(axis) is out of range for elements of rank \(rank)"
                                      + (newAxis ? " with new_axis" : ""), kind: .invalidInput)
        }
        return axis < 0 ? axis + limit : axis
    }
}
