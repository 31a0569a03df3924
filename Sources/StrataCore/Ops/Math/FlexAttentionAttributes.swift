/// The attributes of `ai.onnx.preview` `FlexAttention` besides its subgraphs (`score_mod`, `prob_mod`,
/// read as subgraphs): `scale` (no default: 1/√head size) and `softmax_precision`, the ONNX type code of
/// the softmax's element type (float, float16, bfloat16 or double; none: float32 for inputs narrower
/// than float32, else the input's).
public struct FlexAttentionAttributes: OpAttributes {
    public static let names = ["scale", "softmax_precision"]

    public var scale: Float?
    public var softmaxPrecision: DType?

    public init(node: Node) throws {
        scale = try node.float("scale")
        softmaxPrecision = nil
        if let code = try node.int("softmax_precision") {
            guard let dtype = DType(onnxCode: code), [.float32, .float16, .bfloat16, .float64].contains(dtype) else {
                throw node.attributeError("softmax_precision", "must name float, float16, bfloat16 or double, found type \(code)")
            }
            softmaxPrecision = dtype
        }
    }

    public var values: [String: Attribute] {
        var values: [String: Attribute] = [:]
        if let scale { values["scale"] = .float(scale) }
        if let softmaxPrecision { values["softmax_precision"] = .int(softmaxPrecision.onnxCode) }
        return values
    }
}
