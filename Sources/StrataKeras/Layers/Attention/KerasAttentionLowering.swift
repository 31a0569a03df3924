import StrataCore

/// Lowers Keras' attention layers: `Attention`, `AdditiveAttention` (here) and `MultiHeadAttention`
/// (`+MultiHead`). Masks come from the call (`mask`, `attention_mask`, `value_mask`, `key_mask`,
/// `use_causal_mask`) or implicitly with the inputs (Masking, Embedding(mask_zero)); masked scores are
/// pushed down before the softmax exactly as the Keras version that wrote the file does.
struct KerasAttentionLowering {
    let ctx: KerasLayerContext

    init(_ ctx: KerasLayerContext) {
        self.ctx = ctx
    }

    /// Query, value and key (the value when not given): positional (`[q, v, k]`) or, in Keras 2 files,
    /// the first positional argument with `value` / `key` keyword tensors.
    func queryValueKey() throws -> (query: String, value: String, key: String, keyGiven: Bool) {
        var args = ctx.inputs
        if let value = ctx.kwargTensors["value"]?.first { args.append(value) }
        if let key = ctx.kwargTensors["key"]?.first { args.append(key) }
        guard args.count == 2 || args.count == 3 else { throw ctx.error("expected query, value and optionally key tensors, got \(args.count)") }
        return (args[0], args[1], args.count == 3 ? args[2] : args[1], args.count == 3)
    }

    var returnScores: Bool { ctx.kwargs["return_attention_scores"]?.bool ?? false }
    var causal: Bool { ctx.kwargs["use_causal_mask"]?.bool ?? false }

    /// `Attention` on `[…batch, T, features]` inputs: dot scores `q·kᵀ` (times `scale` when `use_scale`)
    /// or concat scores `w · Σ tanh(scale·(q + k))`; softmax over the value axis; `weights · v`.
    func luong() throws -> [String] {
        let (q, v, k, _) = try queryValueKey()
        let useScale = try ctx.bool("use_scale", default: false)
        let mode = try ctx.string("score_mode", default: "dot")
        var index = 0
        var scale: String?
        if useScale {
            scale = try ctx.weightValue(0, "scale", shape: [])
            index = 1
        }
        var scores: String
        switch mode {
        case "dot":
            scores = try ctx.emit("Einsum", [q, k], ["equation": .string("...qd,...kd->...qk")], step: "Scores")
            if let scale { scores = try ctx.emit("Mul", [scores, scale], step: "Scale") }
        case "concat":
            let weight = try ctx.weightValue(index, "concat_score_weight", shape: [])
            var sum = try pairwiseSum(q, k)
            if let scale { sum = try ctx.emit("Mul", [sum, scale], step: "Scale") }
            let reduced = try ctx.emit("ReduceSum", [try ctx.emit("Tanh", [sum]), ctx.constant(int64s: [-1], "score_axis")],
                                       ["keepdims": .int(0)], step: "Scores")
            scores = try ctx.emit("Mul", [reduced, weight], step: "ScoreWeight")
        default:
            throw ctx.optionError("score_mode", "'\(mode)' is not dot or concat", kind: .invalidModel)
        }
        return try finish(scores: scores, value: v, query: q, key: k)
    }

    /// `AdditiveAttention`: `Σ scale ⊙ tanh(q + k)` over features (no scale unless `use_scale`).
    func additive() throws -> [String] {
        let (q, v, k, _) = try queryValueKey()
        let dim = try ctx.knownDim(q, -1)
        var t = try ctx.emit("Tanh", [try pairwiseSum(q, k)])
        if try ctx.bool("use_scale", default: true) {
            t = try ctx.emit("Mul", [t, try ctx.weightValue(0, "scale", shape: [dim])], step: "Scale")
        }
        let scores = try ctx.emit("ReduceSum", [t, ctx.constant(int64s: [-1], "score_axis")], ["keepdims": .int(0)], step: "Scores")
        return try finish(scores: scores, value: v, query: q, key: k)
    }

    /// `q[…, :, None, :] + k[…, None, :, :]` → `[…, Tq, Tk, D]`.
    private func pairwiseSum(_ q: String, _ k: String) throws -> String {
        let qe = try ctx.emit("Unsqueeze", [q, ctx.constant(int64s: [-2], "query_axis")], step: "QueryExpand")
        let ke = try ctx.emit("Unsqueeze", [k, ctx.constant(int64s: [-3], "key_axis")], step: "KeyExpand")
        return try ctx.emit("Add", [qe, ke], step: "PairSum")
    }

    /// Score mask (value mask and causal mask: `scores − 1e9` where masked), softmax over the keys,
    /// weighted sum of values, query mask (masked query rows become 0, and the output carries the mask as
    /// the step `Mask`); the scores follow when asked for.
    private func finish(scores: String, value: String, query: String, key: String) throws -> [String] {
        let masks = try listMasks(query: query, value: value)
        var keep: String?
        if let valueMask = masks.value {
            keep = try ctx.emit("Unsqueeze", [try boolMask(valueMask, step: "ValueMaskBool"), ctx.constant(int64s: [-2], "value_mask_axis")],
                                step: "ValueMaskExpand")
        }
        if causal {
            keep = try and(keep, causalMask(tq: try ctx.knownDim(query, -2), tk: try ctx.knownDim(key, -2), leading: 0), step: "ScoresMask")
        }
        var s = scores
        if let keep {
            let lowered = try ctx.emit("Sub", [s, ctx.constant(floats: [1e9], shape: [], "mask_offset")], step: "MaskedScores")
            s = try ctx.emit("Where", [keep, s, lowered], step: "ApplyMask")
        }
        let weights = try ctx.emit("Softmax", [s], ["axis": .int(-1)])
        var out = try ctx.emit("MatMul", [weights, value], step: "WeightedSum")
        if let queryMask = masks.query {
            let keepRows = try boolMask(queryMask, step: "QueryMaskBool")
            let rows = try ctx.emit("Unsqueeze", [keepRows, ctx.constant(int64s: [-1], "query_mask_axis")], step: "QueryMaskExpand")
            out = try ctx.emit("Where", [rows, out, ctx.constant(floats: [0], shape: [], "zero")], step: "QueryMask")
            // The output carries the query's mask to the layers after it.
            try ctx.emit("Identity", [keepRows], step: "Mask")
        }
        return returnScores ? [out, weights] : [out]
    }
}
