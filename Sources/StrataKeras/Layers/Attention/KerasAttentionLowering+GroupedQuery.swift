import StrataCore

extension KerasAttentionLowering {
    /// Keras 3 `GroupedQueryAttention` on `[batch, T, features]` inputs: query projection
    /// `[features, query_heads, head_dim]`, key and value projections `[features, kv_heads, head_dim]`
    /// whose heads are each repeated `query_heads / kv_heads` times (done on the stored kernels and
    /// biases), then MultiHeadAttention's rank-3 computation over axis 1 and the output projection
    /// `[query_heads, head_dim, features]`. Unlike MultiHeadAttention it uses a `query_mask` keyword and
    /// leaves its inputs' masks in place.
    func groupedQuery() throws -> [String] {
        let (q, v, k, keyGiven) = try queryValueKey()
        for x in [q, v, k] where try ctx.rank(x) != 3 {
            throw ctx.error("expected [batch, time, features] inputs, got rank \(try ctx.rank(x))", kind: .invalidModel)
        }
        let headDim = try ctx.int("head_dim", atLeast: 1)
        let queryHeads = try ctx.int("num_query_heads", atLeast: 1)
        let kvHeads = try ctx.int("num_key_value_heads", atLeast: 1)
        guard kvHeads > 0, queryHeads % kvHeads == 0 else {
            throw ctx.optionError("num_key_value_heads", "\(kvHeads) does not divide num_query_heads \(queryHeads)", kind: .invalidModel)
        }
        let repeats = queryHeads / kvHeads
        let useBias = try ctx.bool("use_bias", default: true)
        let useGate = try ctx.bool("use_gate", default: false)
        let features = try ctx.knownDim(q, -1)
        let order = projectionOrder(useGate: useGate, useBias: useBias)
        func dense(_ x: String, _ name: String, bound: [Int], output: [Int], repeats: Int = 1) throws -> String {
            try projection(x, name, index: order.firstIndex(of: name)! * (useBias ? 2 : 1), useBias: useBias, bound: bound,
                           output: output, repeats: repeats)
        }
        var query = try dense(q, "query", bound: [features], output: [queryHeads, headDim])
        let key = try dense(k, "key", bound: [try ctx.knownDim(k, -1)], output: [kvHeads, headDim], repeats: repeats)
        let value = try dense(v, "value", bound: [try ctx.knownDim(v, -1)], output: [kvHeads, headDim], repeats: repeats)

        let inputMask = try ctx.implicitMask(of: q)
        let queryMask = ctx.kwargTensors["query_mask"]?.first ?? inputMask
        let mask = try multiHeadMask(query: q, value: v, key: k, queryMask: queryMask, keyGiven: keyGiven, scoresRank: 4, attentionAxes: 1)
        query = try ctx.emit("Mul", [query, ctx.constant(floats: [1 / Float(headDim).squareRoot()], shape: [], "query_scale")], step: "ScaleQuery")
        let scores = try ctx.emit("Einsum", [query, key], ["equation": .string("bquh,bkuh->buqk")], step: "Scores")
        let weights = try maskedSoftmax(scores, mask: mask, keyDims: [try ctx.knownDim(k, 1)], rank: 4, projectedRank: 4)
        var combined = try ctx.emit("Einsum", [weights, value], ["equation": .string("buqk,bkuh->bquh")], step: "Combine")
        if useGate {
            let gate = try dense(q, "gate", bound: [features], output: [queryHeads, headDim])
            combined = try ctx.emit("Mul", [combined, try ctx.emit("Sigmoid", [gate], step: "gate/Sigmoid")], step: "Gate")
        }
        let out = try dense(combined, "attention_output", bound: [queryHeads, headDim], output: [features])
        if let inputMask {
            // The output carries the query input's mask (not the query_mask keyword) to the layers after it.
            try ctx.emit("Identity", [inputMask], step: "Mask")
        }
        return returnScores ? [out, weights] : [out]
    }
}
