/// The attributes of the `Reduce*` ops. Before the opset where the axes became input 1 (13 for
/// `ReduceSum`, 18 for the others) they are the `axes` attribute; from then on an `axes` attribute
/// is an error. Which axes a node reduces over a given input is `ReductionAxes`.
public struct ReduceAttributes: OpAttributes {
    public static let names = ["axes", "keepdims", "noop_with_empty_axes"]

    /// The `axes` attribute as given (old opsets only); nil when absent.
    public var axes: [Int]?
    public var keepDims: Bool
    /// With no axes given, reduce over none instead of all (from the axes-input opset on).
    public var noopWithEmptyAxes: Bool
    /// The axes come from input 1 rather than the attribute.
    public var axesFromInput: Bool

    /// The opset from which `opType` takes its axes as an input instead of an attribute.
    public static func axesInputOpset(_ opType: String) -> Int {
        opType == "ReduceSum" ? 13 : 18
    }

    public init(node: Node) throws {
        keepDims = try node.flag("keepdims", default: true)
        noopWithEmptyAxes = try node.flag("noop_with_empty_axes", default: false)
        axesFromInput = node.opset >= Self.axesInputOpset(node.opType)
        if axesFromInput {
            if node.has("axes") {
                throw node.attributeError("axes", "from opset \(Self.axesInputOpset(node.opType)) the axes are input 1, not an attribute")
            }
            axes = nil
        } else {
            axes = try node.ints("axes")
        }
    }

    public var values: [String: Attribute] {
        var v: [String: Attribute] = ["keepdims": .flag(keepDims)]
        if axesFromInput { v["noop_with_empty_axes"] = .flag(noopWithEmptyAxes) }
        if let axes { v["axes"] = .ints(axes) }
        return v
    }
}
