/// The attributes of `LinearAttention` (opset 27): the head counts `q_num_heads` and `kv_num_heads`
/// (required; kv a positive divisor of q), `scale` (default 0: 1/√d_k), `update_rule` (`linear`,
/// `gated`, `delta` or `gated_delta`, the default) and `chunk_size` (default 64, positive), a tuning
/// hint for chunked prefill that does not change the result.
public struct LinearAttentionAttributes: OpAttributes {
    public static let names = ["chunk_size", "kv_num_heads", "q_num_heads", "scale", "update_rule"]

    public var qHeads: Int
    public var kvHeads: Int
    public var scale: Float
    /// Whether the state decays by exp(decay) each step (`gated`, `gated_delta`).
    public var gated: Bool
    /// Whether the written value is corrected by what the state already gives (`delta`, `gated_delta`).
    public var delta: Bool
    public var chunkSize: Int

    public init(node: Node) throws {
        qHeads = try node.requiredInt("q_num_heads")
        kvHeads = try node.requiredInt("kv_num_heads")
        guard qHeads > 0, kvHeads > 0, qHeads % kvHeads == 0 else {
            throw node.attributeError("q_num_heads", "\(qHeads) must be a positive multiple of kv_num_heads (\(kvHeads))")
        }
        scale = try node.float("scale", default: 0)
        chunkSize = try node.int("chunk_size", default: 64)
        guard chunkSize > 0 else { throw node.attributeError("chunk_size", "must be positive, found \(chunkSize)") }
        let rule = try node.string("update_rule", default: "gated_delta")
        switch rule {
        case "linear": (gated, delta) = (false, false)
        case "gated": (gated, delta) = (true, false)
        case "delta": (gated, delta) = (false, true)
        case "gated_delta": (gated, delta) = (true, true)
        default: throw node.attributeError("update_rule", "must be 'linear', 'gated', 'delta' or 'gated_delta', found '\(rule)'")
        }
    }

    public var updateRule: String { gated ? (delta ? "gated_delta" : "gated") : (delta ? "delta" : "linear") }

    public var values: [String: Attribute] {
        ["q_num_heads": .int(qHeads), "kv_num_heads": .int(kvHeads), "scale": .float(scale), "chunk_size": .int(chunkSize),
         "update_rule": .string(updateRule)]
    }
}
