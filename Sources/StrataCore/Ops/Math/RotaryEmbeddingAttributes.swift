/// The attributes of `RotaryEmbedding`: `interleaved` pairs (default 0), the rotated width
/// `rotary_embedding_dim` (even, ≥ 0; default 0: the whole head) and `num_heads` (positive; needed
/// only for 3-D input, no default).
public struct RotaryEmbeddingAttributes: OpAttributes {
    public static let names = ["interleaved", "rotary_embedding_dim", "num_heads"]

    public var interleaved: Bool
    public var rotaryDim: Int
    public var numHeads: Int?

    public init(node: Node) throws {
        interleaved = try node.flag("interleaved", default: false)
        rotaryDim = try node.int("rotary_embedding_dim", default: 0)
        numHeads = try node.int("num_heads")
        guard rotaryDim >= 0, rotaryDim % 2 == 0 else {
            throw node.attributeError("rotary_embedding_dim", "must be an even count ≥ 0, found \(rotaryDim)")
        }
        if let numHeads, numHeads < 0 { throw node.attributeError("num_heads", "must not be negative, found \(numHeads)") }
    }

    public var values: [String: Attribute] {
        var v: [String: Attribute] = ["interleaved": .flag(interleaved), "rotary_embedding_dim": .int(rotaryDim)]
        if let numHeads { v["num_heads"] = .int(numHeads) }
        return v
    }
}
