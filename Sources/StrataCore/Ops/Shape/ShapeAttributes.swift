/// The attributes of `Shape` from opset 15: the `[start, end)` range of axes reported (default
/// all); before 15 every axis.
public struct ShapeAttributes: OpAttributes {
    public static let names = ["start", "end"]

    public var start: Int
    public var end: Int?

    public init(node: Node) throws {
        guard node.opset >= 15 else {
            (start, end) = (0, nil)
            return
        }
        start = try node.int("start", default: 0)
        end = try node.int("end")
    }

    /// The axes reported for an input of rank `rank`, clamped to `[0, rank]`.
    public func range(rank: Int) -> Range<Int> {
        func clamp(_ v: Int) -> Int { Swift.min(Swift.max(v < 0 ? v + rank : v, 0), rank) }
        let first = clamp(start)
        return first..<Swift.max(first, clamp(end ?? rank))
    }

    public var values: [String: Attribute] {
        var v: [String: Attribute] = ["start": .int(start)]
        if let end { v["end"] = .int(end) }
        return v
    }
}
