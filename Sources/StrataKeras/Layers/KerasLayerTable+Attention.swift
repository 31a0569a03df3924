import StrataCore

extension KerasLayerTable {
    /// Attention (dot / concat scores), AdditiveAttention, MultiHeadAttention, GroupedQueryAttention,
    /// and the Keras 3 op `ConvertToTensor` that carries their output mask (`Attention.compute_mask`
    /// returns `convert_to_tensor(query_mask)`, saved as an op entry feeding the next layer's `mask`).
    static let attention: [String: KerasLayerLowering] = [
        "Attention": { ctx in try KerasAttentionLowering(ctx).luong() },
        "AdditiveAttention": { ctx in try KerasAttentionLowering(ctx).additive() },
        "MultiHeadAttention": { ctx in try KerasAttentionLowering(ctx).multiHead() },
        "GroupedQueryAttention": { ctx in try KerasAttentionLowering(ctx).groupedQuery() },
        // The name Keras 3 exports it under, which `.keras` archives and JSON configs record.
        "GroupQueryAttention": { ctx in try KerasAttentionLowering(ctx).groupedQuery() },
        "ConvertToTensor": { ctx in
            let x = try ctx.singleInput()
            if try ctx.bool("sparse", default: false) { throw ctx.optionError("sparse", "sparse tensors are not supported") }
            if try ctx.bool("ragged", default: false) { throw ctx.optionError("ragged", "ragged tensors are not supported") }
            // An Identity rather than the input itself, so the layer is drawn where Keras connects it.
            guard ctx.has("dtype") else { return [try ctx.emit("Identity", [x])] }
            // ONNX TensorProto codes.
            let codes = ["float32": 1, "int32": 6, "int64": 7, "bool": 9]
            let name = try ctx.string("dtype")
            guard let code = codes[name] else { throw ctx.optionError("dtype", "'\(name)' is not float32, int32, int64 or bool") }
            return [try ctx.emit("Cast", [x], ["to": .int(code)])]
        },
    ]
}
