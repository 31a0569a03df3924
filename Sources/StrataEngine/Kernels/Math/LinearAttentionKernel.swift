import Foundation
import StrataCore

/// `LinearAttention` (opset 27), token by token as the spec defines it: per KV head a state S
/// [d_k, d_v] (from `past_state` [B, H_kv, d_k, d_v], or zeros) is decayed by exp(decay) (`gated`
/// rules; per head or per key dimension), the value is corrected to β·(v − Sᵀk) (`delta` rules; β per
/// head or one for all), S += k ⊗ v, and each query head reads scale·qᵀS from its KV head (groups of
/// q_num_heads / kv_num_heads query heads share one). Q, K, V, decay and β are packed [B, T, H·D].
/// Computed in float32, as the reference does whatever the inputs' type; the output has the query's
/// dtype and `present_state` the past state's (the query's without one).
struct LinearAttentionKernel: Kernel {
    let node: Node
    let attributes: LinearAttentionAttributes

    init(_ ctx: KernelBuildContext) throws {
        node = ctx.node
        attributes = try node.typed(LinearAttentionAttributes.self)
    }

    func run(_ inputs: [Tensor?], context: ExecutionContext) throws -> [Tensor] {
        let args = KernelInputs(inputs, node: node)
        let given = [try args.tensor(0), try args.tensor(1), try args.tensor(2), args.optional(3), args.optional(4), args.optional(5)]
        for (name, t) in zip(["query", "key", "value", "past_state", "decay", "beta"], given) {
            if let t, !t.dtype.isFloatingPoint {
                throw node.error("\(name) has dtype \(t.dtype.rawValue); expected a float type", kind: .invalidInput)
            }
        }
        let wide = try given.map { try $0?.converted(to: .float32, context: context) }
        let (q, k, v) = (wide[0]!, wide[1]!, wide[2]!)
        let (past, decay, beta) = (wide[3], wide[4], wide[5])
        let (hq, hkv) = (attributes.qHeads, attributes.kvHeads)
        guard q.rank == 3, k.rank == 3, v.rank == 3, q.shape[2] % hq == 0, v.shape[2] % hkv == 0 else {
            throw node.error("query \(q.type), key \(k.type) and value \(v.type) must be [B, T, heads·size] with "
                             + "\(hq) query and \(hkv) key/value heads", kind: .invalidInput)
        }
        let (batch, steps, dk, dv) = (q.shape[0], q.shape[1], q.shape[2] / hq, v.shape[2] / hkv)
        guard k.shape == [batch, steps, hkv * dk], v.shape[0] == batch, v.shape[1] == steps else {
            throw node.error("key \(k.type) and value \(v.type) do not match query \(q.type)", kind: .invalidInput)
        }
        guard (decay != nil) == attributes.gated, (beta != nil) == attributes.delta else {
            throw node.error("update_rule '\(attributes.updateRule)' \(attributes.gated ? "needs" : "takes no") decay and "
                             + "\(attributes.delta ? "needs" : "takes no") beta", kind: .invalidInput)
        }
        if let decay, decay.shape != [batch, steps, hkv] && decay.shape != [batch, steps, hkv * dk] {
            throw node.error("decay \(decay.type) must be [\(batch), \(steps), \(hkv)] or [\(batch), \(steps), \(hkv * dk)]", kind: .invalidInput)
        }
        if let beta, beta.shape != [batch, steps, hkv] && beta.shape != [batch, steps, 1] {
            throw node.error("beta \(beta.type) must be [\(batch), \(steps), \(hkv)] or [\(batch), \(steps), 1]", kind: .invalidInput)
        }
        if let past, past.shape != [batch, hkv, dk, dv] {
            throw node.error("past_state \(past.type) must be [\(batch), \(hkv), \(dk), \(dv)]", kind: .invalidInput)
        }
        let scale = attributes.scale == 0 ? Float(1 / Double(dk).squareRoot()) : attributes.scale
        let state = try Tensor(dtype: .float32, shape: [batch, hkv, dk, dv])
        let s = state.pointer(as: Float.self)
        if let past { s.update(from: past.pointer(as: Float.self), count: state.count) } else { s.update(repeating: 0, count: state.count) }
        let y = try Tensor(dtype: .float32, shape: [batch, steps, hq * dv])
        let (qs, ks, vs, ys) = (q.pointer(as: Float.self), k.pointer(as: Float.self), v.pointer(as: Float.self), y.pointer(as: Float.self))
        let decays = decay?.pointer(as: Float.self), betas = beta?.pointer(as: Float.self)
        let decayWidth = decay?.shape[2] ?? 0, betaWidth = beta?.shape[2] ?? 0
        var written = [Float](repeating: 0, count: dv), retrieved = [Float](repeating: 0, count: dv)
        for b in 0 ..< batch {
            for t in 0 ..< steps {
                let token = b * steps + t
                for h in 0 ..< hkv {
                    let sh = s + (b * hkv + h) * dk * dv, kt = ks + token * hkv * dk + h * dk
                    if let decays {
                        for d in 0 ..< dk {
                            let g = Foundation.exp(decays[token * decayWidth + (decayWidth == hkv ? h : h * dk + d)])
                            for m in 0 ..< dv { sh[d * dv + m] *= g }
                        }
                    }
                    for m in 0 ..< dv { written[m] = vs[token * hkv * dv + h * dv + m] }
                    if let betas {
                        let rate = betas[token * betaWidth + (betaWidth == 1 ? 0 : h)]
                        for m in 0 ..< dv { retrieved[m] = 0 }
                        for d in 0 ..< dk { for m in 0 ..< dv { retrieved[m] += sh[d * dv + m] * kt[d] } }
                        for m in 0 ..< dv { written[m] = rate * (written[m] - retrieved[m]) }
                    }
                    for d in 0 ..< dk { for m in 0 ..< dv { sh[d * dv + m] += kt[d] * written[m] } }
                }
                for head in 0 ..< hq {
                    let sh = s + (b * hkv + head / (hq / hkv)) * dk * dv, qt = qs + token * hq * dk + head * dk
                    let out = ys + token * hq * dv + head * dv
                    for m in 0 ..< dv {
                        var sum: Float = 0
                        for d in 0 ..< dk { sum += qt[d] * sh[d * dv + m] }
                        out[m] = scale * sum
                    }
                }
            }
        }
        let outputs = [try y.converted(to: given[0]!.dtype, context: context),
                       try state.converted(to: given[3]?.dtype ?? given[0]!.dtype, context: context)]
        return Array(outputs.prefix(Swift.max(1, node.outputs.count)))
    }
}
