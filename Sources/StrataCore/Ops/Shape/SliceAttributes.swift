/// The attributes of `Slice` before opset 10: `starts` and `ends` (required) and `axes`. From
/// opset 10 they are inputs and `arguments` is nil.
public struct SliceAttributes: OpAttributes {
    public static let names = ["starts", "ends", "axes"]

    public var starts: [Int]?
    public var ends: [Int]?
    public var axes: [Int]?

    public init(node: Node) throws {
        guard node.opset < 10 else { return }
        guard let starts = try node.ints("starts") else { throw node.missing("starts") }
        guard let ends = try node.ints("ends") else { throw node.missing("ends") }
        (self.starts, self.ends, axes) = (starts, ends, try node.ints("axes"))
    }

    /// The slice the attributes describe (opset < 10); nil when the arguments are inputs.
    public var arguments: SliceSpec.Arguments? {
        guard let starts, let ends else { return nil }
        return SliceSpec.Arguments(starts: starts, ends: ends, axes: axes, steps: nil)
    }

    public var values: [String: Attribute] {
        var v: [String: Attribute] = [:]
        for (name, list) in [("starts", starts), ("ends", ends), ("axes", axes)] {
            if let list { v[name] = .ints(list) }
        }
        return v
    }
}
