import StrataCore

extension KerasLayerTable {
    /// Attention (dot / concat scores), AdditiveAttention and MultiHeadAttention.
    static let attention: [String: KerasLayerLowering] = [
        "Attention": { ctx in try KerasAttentionLowering(ctx).luong() },
        "AdditiveAttention": { ctx in try KerasAttentionLowering(ctx).additive() },
        "MultiHeadAttention": { ctx in try KerasAttentionLowering(ctx).multiHead() },
    ]
}
