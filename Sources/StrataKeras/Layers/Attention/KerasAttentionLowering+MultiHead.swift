import StrataCore

extension KerasAttentionLowering {
    /// `MultiHeadAttention` on inputs of any rank ≥ 3 (`[batch, <dims>, features]`), attending over
    /// `attention_axes` (default: every axis but batch and features). Projections `[features, heads,
    /// width]` (+ bias `[heads, width]`), query scaled by `1/√key_dim`, scores in Keras' layout (see
    /// `KerasAttentionEquations`), softmax over the key's attention axes after the mask, heads combined by
    /// the output projection `[heads, value_dim, <output_shape>]` (+ bias `[<output_shape>]`). With
    /// `use_gate` the combined heads are multiplied by `sigmoid(gate projection of the query)` first.
    func multiHead() throws -> [String] {
        let (q, v, k, keyGiven) = try queryValueKey()
        if ctx.kerasMajor >= 3 { try ctx.refuseUnorderedMaskReaders(of: [q, v, k]) }
        let rank = try ctx.rank(q)
        guard rank >= 3 else { throw ctx.error("the query must have rank 3 or more ([batch, ..., features]), got rank \(rank)") }
        guard try ctx.rank(v) == rank, try ctx.rank(k) == rank else {
            throw ctx.error("query, value and key must have the same rank", kind: .unsupported)
        }
        let projected = rank + 1
        let axes = try attentionAxes(projectedRank: projected)
        guard projected + axes.count <= 26 else { throw ctx.error("inputs of rank \(rank) are too large for the attention equations", kind: .unsupported) }
        let equations = KerasAttentionEquations(rank: projected, axes: axes)

        let heads = try ctx.int("num_heads", atLeast: 1)
        let keyDim = try ctx.int("key_dim", atLeast: 1)
        let valueDim = try ctx.int("value_dim", default: keyDim, atLeast: 1)
        let useBias = try ctx.bool("use_bias", default: true)
        let useGate = try ctx.bool("use_gate", default: false)
        var outDims = [try ctx.knownDim(q, -1)]
        if let json = ctx.config["output_shape"], !json.isNull {
            guard let dims = json.int.map({ [$0] }) ?? json.ints, !dims.isEmpty else {
                throw ctx.optionError("output_shape", "expected integers", kind: .invalidModel)
            }
            outDims = dims
        }
        let order = projectionOrder(useGate: useGate, useBias: useBias)
        func dense(_ x: String, _ name: String, bound: [Int], output: [Int]) throws -> String {
            try projection(x, name, index: order.firstIndex(of: name)! * (useBias ? 2 : 1), useBias: useBias, bound: bound, output: output)
        }
        var query = try dense(q, "query", bound: [try ctx.knownDim(q, -1)], output: [heads, keyDim])
        let key = try dense(k, "key", bound: [try ctx.knownDim(k, -1)], output: [heads, keyDim])
        let value = try dense(v, "value", bound: [try ctx.knownDim(v, -1)], output: [heads, valueDim])

        let queryMask = try ctx.implicitMask(of: q)
        let mask = try multiHeadMask(query: q, value: v, key: k, queryMask: queryMask, keyGiven: keyGiven,
                                     scoresRank: equations.scoresRank, attentionAxes: axes.count)
        query = try ctx.emit("Mul", [query, ctx.constant(floats: [1 / Float(keyDim).squareRoot()], shape: [], "query_scale")], step: "ScaleQuery")
        let scores = try ctx.emit("Einsum", [key, query], ["equation": .string(equations.dotProduct)], step: "Scores")
        // Projected key dims on the attention axes (the heads axis counts when a Keras 2 axis lands on it).
        let keyDims = try axes.map { $0 < rank - 1 ? try ctx.knownDim(k, $0) : heads }
        let weights = try maskedSoftmax(scores, mask: mask, keyDims: keyDims, rank: equations.scoresRank, projectedRank: projected)
        var combined = try ctx.emit("Einsum", [weights, value], ["equation": .string(equations.combine)], step: "Combine")
        if useGate {
            let gate = try dense(q, "gate", bound: [try ctx.knownDim(q, -1)], output: [heads, valueDim])
            combined = try ctx.emit("Mul", [combined, try ctx.emit("Sigmoid", [gate], step: "gate/Sigmoid")], step: "Gate")
        }
        let out = try dense(combined, "attention_output", bound: [heads, valueDim], output: outDims)
        if let queryMask {
            // The output carries the query's mask to the layers after it.
            try ctx.emit("Identity", [queryMask], step: "Mask")
        }
        return returnScores ? [out, weights] : [out]
    }

    /// `attention_axes` as non-negative axes of the projected rank. Keras 3 counts a negative axis from
    /// the input's end (`(rank − 1) + axis`), Keras 2 from the projected tensor's end (`rank + axis`,
    /// where −2 is the heads axis).
    private func attentionAxes(projectedRank: Int) throws -> [Int] {
        guard let given = try ctx.intList("attention_axes") else { return Array(1 ..< projectedRank - 2) }
        let axes = given.map { $0 >= 0 ? $0 : (ctx.kerasMajor >= 3 ? projectedRank - 1 + $0 : projectedRank + $0) }
        guard !axes.isEmpty, axes.allSatisfy({ $0 >= 0 && $0 < projectedRank - 1 }), Set(axes).count == axes.count else {
            throw ctx.optionError("attention_axes", "\(given) are not distinct axes of the projected rank-\(projectedRank) [batch, …, heads, channels] tensor "
                                  + "other than channels", kind: .invalidModel)
        }
        return axes
    }

    /// One of the attention layers' EinsumDense sub-layers, variables from `index`: kernel
    /// `[bound…, output…]` (+ bias `[output…]`). `repeats` > 1 repeats each head (the first output axis)
    /// that many times, as GroupedQueryAttention repeats its key and value heads.
    func projection(_ x: String, _ name: String, index: Int, useBias: Bool, bound: [Int], output: [Int], repeats: Int = 1) throws -> String {
        let equation = KerasAttentionEquations.projection(free: try ctx.rank(x) - bound.count, bound: bound.count, output: output.count)
        let headAxis = bound.count
        let kernel = try ctx.weightValue(index, "\(name)/kernel", shape: bound + output, transform: .repeatingSlices(axis: headAxis, repeats))
        var y = try ctx.emit("Einsum", [x, kernel], ["equation": .string(equation)], step: "\(name)/Einsum")
        if useBias {
            let bias = try ctx.weightValue(index + 1, "\(name)/bias", shape: output, transform: .repeatingSlices(axis: 0, repeats))
            y = try ctx.emit("Add", [y, bias], step: "\(name)/BiasAdd")
        }
        return y
    }

    /// Sub-layer names in the order of the stored variables. Keras lists the gate after the key; the
    /// Keras 3 weights layout (`layers/…/vars`) stores it as `_gate_dense`, which comes last.
    func projectionOrder(useGate: Bool, useBias: Bool) -> [String] {
        guard useGate else { return ["query", "key", "value", "attention_output"] }
        let perProjection = useBias ? 2 : 1
        let gateIndex = ctx.variableNames.firstIndex { name in
            name.split(separator: "/").contains { $0 == "_gate_dense" || $0 == "gate_dense" }
        }
        if gateIndex == 4 * perProjection { return ["query", "key", "value", "attention_output", "gate"] }
        return ["query", "key", "gate", "value", "attention_output"]
    }

    /// The bool keep-mask Keras builds for the scores, expanded to their rank (nil when nothing is
    /// masked): the query mask `[B, T, 1]`, value and key masks `[B, 1, S]`, the causal and sliding-window
    /// bands `[1, T, S]` and the `attention_mask` keyword, AND-ed; then unsqueezed before the
    /// attention dims (Keras' `mask_expansion_axis`) until it has the scores' rank.
    ///
    /// `queryMask` is the caller's: MultiHeadAttention's is the query input's own mask (Keras 3.15 replaces
    /// a `query_mask` keyword by it, so that keyword has no effect), GroupedQueryAttention's the keyword,
    /// else the input's. Value and key masks come with the inputs (the key's only when a key is passed, in
    /// Keras 3) or, in Keras 3, from the `value_mask` / `key_mask` keywords.
    func multiHeadMask(query q: String, value v: String, key k: String, queryMask: String?, keyGiven: Bool,
                       scoresRank: Int, attentionAxes: Int) throws -> String? {
        var parts: [(value: String, rank: Int)] = []
        func expanded(_ mask: String?, axis: Int, _ name: String) throws {
            guard let mask else { return }
            let m = try boolMask(mask, step: "\(name)Bool")
            let e = try ctx.emit("Unsqueeze", [m, ctx.constant(int64s: [Int64(axis)], "\(name)_axis")], step: "\(name)Expand")
            parts.append((e, try ctx.rank(m) + 1))
        }
        let keywords = ctx.kerasMajor >= 3
        try expanded(queryMask, axis: -1, "QueryMask")
        try expanded(keywords ? ctx.kwargTensors["value_mask"]?.first ?? ctx.implicitMask(of: v) : ctx.implicitMask(of: v), axis: -2, "ValueMask")
        let keyMask = keywords ? ctx.kwargTensors["key_mask"]?.first : nil
        try expanded(keyMask ?? (keyGiven || !keywords ? ctx.implicitMask(of: k) : nil), axis: -2, "KeyMask")

        let window = try ctx.has("sliding_window") ? ctx.int("sliding_window") : nil
        if let window, window <= 0 { throw ctx.optionError("sliding_window", "must be a positive integer, got \(window)", kind: .invalidModel) }
        if causal || window != nil {
            let tq = try ctx.knownDim(q, 1), tk = try ctx.knownDim(v, 1)
            let band = try bandConstant(tq: tq, tk: tk, leading: 1, "band_mask") { i, j in
                (!causal || j <= i) && (window.map { abs(i - j) < $0 } ?? true)
            }
            parts.append((band, 3))
        }
        if let attention = ctx.kwargTensors["attention_mask"]?.first {
            parts.append((try boolMask(attention, step: "AttentionMaskBool"), try ctx.rank(attention)))
        }
        guard !parts.isEmpty else { return nil }
        var mask = parts[0].value
        for part in parts.dropFirst() { mask = try ctx.emit("And", [mask, part.value], step: "CombineMasks") }
        let maskRank = parts.map(\.rank).max()!
        let axis = Int64(-2 * attentionAxes - 1)
        for _ in 0 ..< max(0, scoresRank - maskRank) {
            mask = try ctx.emit("Unsqueeze", [mask, ctx.constant(int64s: [axis], "mask_expansion_axis")], step: "MaskExpand")
        }
        return mask
    }

    /// Softmax over the scores' trailing key axes with the mask applied as the writing Keras does:
    /// Keras 3 on rank-3 inputs without dropout or returned scores uses its fused attention (masked
    /// scores set to −0.7·3.38953e38, a fully masked row becomes uniform); otherwise Keras 3's Softmax
    /// layer (masked scores set to −1e9, masked weights set to 0 afterwards); Keras 2 adds −1e9 to
    /// masked scores (or sets them to −1e9 with `softmax_robust_masking`).
    func maskedSoftmax(_ scores: String, mask: String?, keyDims: [Int], rank: Int, projectedRank: Int) throws -> String {
        var s = scores
        var zeroMasked = false
        if let mask {
            let dropout = try ctx.float("dropout", default: 0)
            let fused = ctx.kerasMajor >= 3 && projectedRank == 4 && !returnScores && dropout == 0
            let filler: String
            if ctx.kerasMajor >= 3 {
                filler = try ctx.constant(floats: [fused ? Float(-0.7 * 3.38953e38) : -1e9], shape: [], "mask_fill")
                zeroMasked = !fused
            } else if try ctx.bool("softmax_robust_masking", default: false) {
                filler = try ctx.constant(floats: [-1e9], shape: [], "mask_fill")
            } else {
                filler = try ctx.emit("Sub", [s, ctx.constant(floats: [1e9], shape: [], "mask_offset")], step: "MaskedScores")
            }
            s = try ctx.emit("Where", [mask, s, filler], step: "ApplyMask")
        }
        var weights: String
        if keyDims.count == 1 {
            weights = try ctx.emit("Softmax", [s], ["axis": .int(-1)])
        } else {
            // Softmax over several trailing axes: flatten them into one and back.
            let keep = [Int64](repeating: 0, count: rank - keyDims.count)
            let flat = try ctx.emit("Reshape", [s, ctx.constant(int64s: keep + [-1], "flat_shape")], step: "FlattenKeys")
            let normalized = try ctx.emit("Softmax", [flat], ["axis": .int(-1)])
            weights = try ctx.emit("Reshape", [normalized, ctx.constant(int64s: keep + keyDims.map(Int64.init), "key_shape")], step: "UnflattenKeys")
        }
        if zeroMasked, let mask {
            weights = try ctx.emit("Where", [mask, weights, ctx.constant(floats: [0], shape: [], "zero")], step: "ZeroMasked")
        }
        return weights
    }
}
