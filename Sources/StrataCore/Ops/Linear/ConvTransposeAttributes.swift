/// The attributes of `ConvTranspose`: the window and groups of the matching Conv, plus
/// `output_padding` and `output_shape` as given (fitted to the spatial axes by `TransposedWindow`).
public struct ConvTransposeAttributes: OpAttributes {
    public static let names = WindowAttributes.names + ["group", "output_padding", "output_shape"]

    public var window: WindowAttributes
    public var group: Int
    public var outputPadding: [Int]?
    public var outputShape: [Int]?

    public init(node: Node) throws {
        window = try node.typed(WindowAttributes.self)
        group = try node.int("group", default: 1)
        guard group >= 1 else { throw node.attributeError("group", "must be positive, found \(group)") }
        outputPadding = try node.ints("output_padding")
        outputShape = try node.ints("output_shape")
    }

    public var values: [String: Attribute] {
        var v = window.values
        v["group"] = .int(group)
        if let outputPadding { v["output_padding"] = .ints(outputPadding) }
        if let outputShape { v["output_shape"] = .ints(outputShape) }
        return v
    }
}
