import StrataCore

/// Lowers Keras' attention layers. Scores are masked as Keras does (`scores − 1e9·(1 − mask)` before
/// the softmax) for `use_causal_mask=True` (lower-triangular `[Tq, Tv]`) and, for MultiHeadAttention,
/// an `attention_mask` tensor; padding masks carried implicitly from Masking/Embedding are not lowered.
struct KerasAttentionLowering {
    let ctx: KerasLayerContext

    init(_ ctx: KerasLayerContext) {
        self.ctx = ctx
    }

    /// Query, value and key (defaulting to value): positional (`[q, v, k]`) or, in Keras 2 files,
    /// the first positional argument with `value` / `key` keyword tensors.
    private func queryValueKey() throws -> (query: String, value: String, key: String) {
        var args = ctx.inputs
        if let value = ctx.kwargTensors["value"]?.first { args.append(value) }
        if let key = ctx.kwargTensors["key"]?.first { args.append(key) }
        guard args.count == 2 || args.count == 3 else { throw ctx.error("expected query, value and optionally key tensors, got \(args.count)") }
        return (args[0], args[1], args.count == 3 ? args[2] : args[1])
    }

    private var returnScores: Bool { ctx.kwargs["return_attention_scores"]?.bool ?? false }
    private var causal: Bool { ctx.kwargs["use_causal_mask"]?.bool ?? false }

    private func rejectMasks() throws {
        if let mask = ctx.kwargTensors["mask"], !mask.isEmpty {
            throw ctx.error("padding masks passed to attention layers are not supported", kind: .unsupported)
        }
    }

    /// `Attention`: dot scores `q·kᵀ` (times `scale` when `use_scale`) or concat scores
    /// `w · Σ tanh(scale·(q + k))`; softmax over the value axis; `weights · v`.
    func luong() throws -> [String] {
        try rejectMasks()
        let (q, v, k) = try queryValueKey()
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
            scores = try ctx.emit("Einsum", [q, k], ["equation": .string("bqd,bkd->bqk")], step: "Scores")
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
        return try finish(scores: scores, value: v, query: q, key: k, scoreRank: 3)
    }

    /// `AdditiveAttention`: `Σ scale ⊙ tanh(q + k)` over features (no scale unless `use_scale`).
    func additive() throws -> [String] {
        try rejectMasks()
        let (q, v, k) = try queryValueKey()
        let dim = try ctx.knownDim(q, -1)
        var t = try ctx.emit("Tanh", [try pairwiseSum(q, k)])
        if try ctx.bool("use_scale", default: true) {
            t = try ctx.emit("Mul", [t, try ctx.weightValue(0, "scale", shape: [dim])], step: "Scale")
        }
        let scores = try ctx.emit("ReduceSum", [t, ctx.constant(int64s: [-1], "score_axis")], ["keepdims": .int(0)], step: "Scores")
        return try finish(scores: scores, value: v, query: q, key: k, scoreRank: 3)
    }

    /// `q[:, :, None, :] + k[:, None, :, :]` → `[B, Tq, Tk, D]`.
    private func pairwiseSum(_ q: String, _ k: String) throws -> String {
        let qe = try ctx.emit("Unsqueeze", [q, ctx.constant(int64s: [2], "query_axis")], step: "QueryExpand")
        let ke = try ctx.emit("Unsqueeze", [k, ctx.constant(int64s: [1], "key_axis")], step: "KeyExpand")
        return try ctx.emit("Add", [qe, ke], step: "PairSum")
    }

    /// Causal mask, softmax, weighted sum of values; the scores follow when asked for.
    private func finish(scores: String, value: String, query: String, key: String, scoreRank: Int) throws -> [String] {
        var s = scores
        if causal { s = try ctx.emit("Add", [s, try causalPenalty(query: query, key: key, axis1: 1, keyAxis: 1)], step: "CausalMask") }
        let weights = try ctx.emit("Softmax", [s], ["axis": .int(-1)])
        let out = try ctx.emit("MatMul", [weights, value], step: "WeightedSum")
        return returnScores ? [out, weights] : [out]
    }

    /// `−1e9` where key position > query position, else 0, shaped `[Tq, Tk]`.
    private func causalPenalty(query: String, key: String, axis1: Int, keyAxis: Int) throws -> String {
        let tq = try ctx.knownDim(query, axis1)
        let tk = try ctx.knownDim(key, keyAxis)
        var values = [Float](repeating: 0, count: tq * tk)
        for i in 0 ..< tq { for j in 0 ..< tk where j > i { values[i * tk + j] = -1e9 } }
        return ctx.constant(floats: values, shape: [tq, tk], "causal_penalty")
    }

    /// `MultiHeadAttention` for `[B, T, D]` inputs attending over axis 1: projections
    /// `[D, heads, key_dim]` (+ bias `[heads, key_dim]`), query scaled by `1/√key_dim`, scores
    /// `[B, heads, Tq, Tk]`, softmax over keys (after the causal / `attention_mask` penalty), heads
    /// combined by the output projection `[heads, value_dim, out]` (+ bias `[out]`).
    func multiHead() throws -> [String] {
        let (q, v, k) = try queryValueKey()
        guard try ctx.rank(q) == 3, try ctx.rank(v) == 3, try ctx.rank(k) == 3 else {
            throw ctx.error("only [batch, time, features] inputs are supported", kind: .unsupported)
        }
        if let axes = try ctx.intList("attention_axes"), axes != [1], axes != [-2] {
            throw ctx.optionError("attention_axes", "only attention over axis 1 is supported for rank-3 inputs")
        }
        if try ctx.bool("use_gate", default: false) { throw ctx.optionError("use_gate", "gated attention is not supported") }
        if ctx.has("sliding_window") { throw ctx.optionError("sliding_window", "sliding-window attention is not supported") }
        let heads = try ctx.int("num_heads")
        let keyDim = try ctx.int("key_dim")
        let valueDim = try ctx.int("value_dim", default: keyDim)
        let useBias = try ctx.bool("use_bias", default: true)
        let queryFeatures = try ctx.knownDim(q, 2)
        var outDims = [queryFeatures]
        if let json = ctx.config["output_shape"], !json.isNull {
            guard let dims = json.int.map({ [$0] }) ?? json.ints else { throw ctx.optionError("output_shape", "expected integers", kind: .invalidModel) }
            outDims = dims
        }
        guard outDims.count == 1 else { throw ctx.optionError("output_shape", "only a single output dimension is supported") }
        var index = 0
        func projection(_ x: String, _ name: String, width: Int) throws -> String {
            let features = try ctx.knownDim(x, 2)
            let kernel = try ctx.weightValue(index, "\(name)/kernel", shape: [features, heads, width])
            index += 1
            var y = try ctx.emit("Einsum", [x, kernel], ["equation": .string("abc,cde->abde")], step: "\(name)/Einsum")
            if useBias {
                y = try ctx.emit("Add", [y, try ctx.weightValue(index, "\(name)/bias", shape: [heads, width])], step: "\(name)/BiasAdd")
                index += 1
            }
            return y
        }
        var query = try projection(q, "query", width: keyDim)
        let key = try projection(k, "key", width: keyDim)
        let value = try projection(v, "value", width: valueDim)
        query = try ctx.emit("Mul", [query, ctx.constant(floats: [1 / Float(keyDim).squareRoot()], shape: [], "query_scale")], step: "ScaleQuery")
        var scores = try ctx.emit("Einsum", [key, query], ["equation": .string("aecd,abcd->acbe")], step: "Scores")
        if causal {
            scores = try ctx.emit("Add", [scores, try causalPenalty(query: q, key: v, axis1: 1, keyAxis: 1)], step: "CausalMask")
        }
        if let mask = ctx.kwargTensors["attention_mask"]?.first {
            // [B, Tq, Tk] → [B, 1, Tq, Tk]; penalty −1e9·(1 − mask).
            let m = try ctx.emit("Cast", [mask], ["to": .int(1)], step: "MaskFloat")
            let expanded = try ctx.emit("Unsqueeze", [m, ctx.constant(int64s: [1], "mask_axis")], step: "MaskExpand")
            let inverse = try ctx.emit("Sub", [ctx.constant(floats: [1], shape: [], "one"), expanded], step: "MaskInverse")
            let penalty = try ctx.emit("Mul", [inverse, ctx.constant(floats: [-1e9], shape: [], "mask_penalty")], step: "MaskPenalty")
            scores = try ctx.emit("Add", [scores, penalty], step: "AttentionMask")
        }
        let weights = try ctx.emit("Softmax", [scores], ["axis": .int(-1)])
        let combined = try ctx.emit("Einsum", [weights, value], ["equation": .string("acbe,aecd->abcd")], step: "Combine")
        let outKernel = try ctx.weightValue(index, "attention_output/kernel", shape: [heads, valueDim, outDims[0]])
        index += 1
        var out = try ctx.emit("Einsum", [combined, outKernel], ["equation": .string("abcd,cde->abe")], step: "attention_output/Einsum")
        if useBias {
            out = try ctx.emit("Add", [out, try ctx.weightValue(index, "attention_output/bias", shape: [outDims[0]])], step: "attention_output/BiasAdd")
        }
        return returnScores ? [out, weights] : [out]
    }
}
