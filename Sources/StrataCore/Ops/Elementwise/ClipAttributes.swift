/// The attributes of `Clip` before opset 11, where the bounds are the `min` and `max` attributes
/// (defaults ∓FLT_MAX, so infinities become finite as in onnxruntime). From opset 11 the bounds are
/// optional inputs 1 and 2 and `bounds` is nil.
public struct ClipAttributes: OpAttributes {
    public static let names = ["min", "max"]

    public var bounds: (low: Float, high: Float)?

    public init(node: Node) throws {
        guard node.opset < 11 else {
            bounds = nil
            return
        }
        bounds = (try node.float("min", default: -.greatestFiniteMagnitude), try node.float("max", default: .greatestFiniteMagnitude))
    }

    public var values: [String: Attribute] {
        guard let bounds else { return [:] }
        return ["min": .float(bounds.low), "max": .float(bounds.high)]
    }

    public static func == (a: ClipAttributes, b: ClipAttributes) -> Bool {
        a.bounds?.low == b.bounds?.low && a.bounds?.high == b.bounds?.high
    }
}
