/// The attributes of `Attention`: `is_causal` (default 0), the head counts `q_num_heads` and
/// `kv_num_heads` (positive; needed for 3-D inputs, no default), `qk_matmul_output_mode` (0...3,
/// default 0), `scale` (no default: 1/√head size), `softcap` (default 0: none) and, from opset 25,
/// the sliding window `left_window_size` and `right_window_size` (-1, the default, or ≥ 0), and
/// `softmax_precision`, the ONNX type code of the softmax's element type (float, float16, bfloat16 or
/// double; none: the inputs' type).
public struct AttentionAttributes: OpAttributes {
    public static let names = ["is_causal", "q_num_heads", "kv_num_heads", "qk_matmul_output_mode", "scale", "softcap",
                               "left_window_size", "right_window_size", "softmax_precision"]

    public var isCausal: Bool
    public var qHeads: Int?
    public var kvHeads: Int?
    /// Which scores the fourth output holds (`qk_matmul_output_mode`).
    public var outputMode: Int
    public var scale: Float?
    public var softcap: Float
    public var leftWindow: Int
    public var rightWindow: Int
    public var softmaxPrecision: DType?

    public init(node: Node) throws {
        isCausal = try node.flag("is_causal", default: false)
        qHeads = try node.int("q_num_heads")
        kvHeads = try node.int("kv_num_heads")
        outputMode = try node.int("qk_matmul_output_mode", default: 0)
        scale = try node.float("scale")
        softcap = try node.float("softcap", default: 0)
        leftWindow = try node.int("left_window_size", default: -1)
        rightWindow = try node.int("right_window_size", default: -1)
        softmaxPrecision = nil
        if let code = try node.int("softmax_precision") {
            guard let dtype = DType(onnxCode: code), [.float32, .float16, .bfloat16, .float64].contains(dtype) else {
                throw node.attributeError("softmax_precision", "must name float, float16, bfloat16 or double, found type \(code)")
            }
            softmaxPrecision = dtype
        }
        guard (0...3).contains(outputMode) else {
            throw node.attributeError("qk_matmul_output_mode", "must lie in 0...3, found \(outputMode)")
        }
        guard leftWindow >= -1, rightWindow >= -1 else {
            throw node.attributeError("left_window_size", "window sizes must be -1 or ≥ 0, found \(leftWindow), \(rightWindow)")
        }
        if let h = qHeads, h < 1 { throw node.attributeError("q_num_heads", "must be positive, found \(h)") }
        if let h = kvHeads, h < 1 { throw node.attributeError("kv_num_heads", "must be positive, found \(h)") }
    }

    public var values: [String: Attribute] {
        var v: [String: Attribute] = ["is_causal": .flag(isCausal), "qk_matmul_output_mode": .int(outputMode),
                                      "softcap": .float(softcap), "left_window_size": .int(leftWindow),
                                      "right_window_size": .int(rightWindow)]
        if let qHeads { v["q_num_heads"] = .int(qHeads) }
        if let kvHeads { v["kv_num_heads"] = .int(kvHeads) }
        if let scale { v["scale"] = .float(scale) }
        if let softmaxPrecision { v["softmax_precision"] = .int(softmaxPrecision.onnxCode) }
        return v
    }
}
