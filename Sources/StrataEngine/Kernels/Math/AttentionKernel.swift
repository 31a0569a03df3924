import Foundation
import StrataCore

/// Attention (opsets 23–25): softmax(Q·Kᵀ·scale + bias)·V per head, as the ONNX reference defines
/// it. Q, K, V are [B, heads, S, D] or [B, S, heads·D] (`q_num_heads`, `kv_num_heads`); K and V
/// heads are shared by groups of Q heads. `past_key`/`past_value` [B, kv_heads, P, D] are prepended
/// and returned as `present_key`/`present_value`. The bias adds `attn_mask` (bool: false is -∞;
/// float: added; broadcast to [B, heads, S, kv], shorter kv padded with -∞), `is_causal` (key j seen
/// by query i iff j ≤ i + offset, the offset being the past length, or `nonpad_kv_seqlen[b] − S`),
/// the sliding window `left_window_size`/`right_window_size`, and `nonpad_kv_seqlen` padding. `scale`
/// (default 1/√D) multiplies Q and K by its square root each; `softcap` > 0 maps scores through
/// softcap·tanh(x/softcap). Rows whose bias is all −∞ give zero weights. `qk_matmul_output_mode`
/// picks the fourth output: 0 the scaled scores (before softcap, as onnxruntime and the spec have it;
/// the ONNX reference softcaps them), 1 the softcapped scores (as the reference and the node suite),
/// 2 the scores with the bias, 3 the weights.
///
/// float16 and bfloat16 compute as the reference does with numpy: every step (the scale's root, Q and
/// K scaled, each score, softcap, the bias added) is rounded to the inputs' type, and so is every
/// softmax step (x − max, exp, the row sum, the quotient) unless `softmax_precision` names a wider
/// type; dot products accumulate in float32. The row sum is `NarrowRounding.sum`'s.
struct AttentionKernel: Kernel {
    let node: Node
    let isCausal: Bool
    let qHeads: Int?
    let kvHeads: Int?
    let outputMode: Int
    let scale: Float?
    let softcap: Float
    let leftWindow: Int
    let rightWindow: Int
    let softmaxPrecision: DType?

    init(_ ctx: KernelBuildContext) throws {
        node = ctx.node
        let attributes = try node.typed(AttentionAttributes.self)
        (isCausal, qHeads, kvHeads, outputMode) = (attributes.isCausal, attributes.qHeads, attributes.kvHeads, attributes.outputMode)
        (scale, softcap) = (attributes.scale, attributes.softcap)
        (leftWindow, rightWindow) = (attributes.leftWindow, attributes.rightWindow)
        softmaxPrecision = attributes.softmaxPrecision
    }

    /// A [B, heads, S, D] view of a 4-D tensor or of a 3-D [B, S, heads·D] one.
    private struct Heads {
        let values: UnsafeMutablePointer<Float>
        let batch, heads, sequence, size: Int
        let split: Bool
        func at(_ b: Int, _ h: Int, _ s: Int) -> UnsafeMutablePointer<Float> {
            values + (split ? ((b * sequence + s) * heads + h) * size : ((b * heads + h) * sequence + s) * size)
        }
    }

    private func heads(_ t: Tensor, _ count: Int?, _ name: String) throws -> Heads {
        if t.rank == 4 { return Heads(values: t.pointer(as: Float.self), batch: t.shape[0], heads: t.shape[1], sequence: t.shape[2], size: t.shape[3], split: false) }
        guard t.rank == 3, let count, t.shape[2] % count == 0 else {
            throw node.error("\(name) \(t.type) must be 4-D, or 3-D with its head count dividing the hidden size", kind: .invalidInput)
        }
        return Heads(values: t.pointer(as: Float.self), batch: t.shape[0], heads: count, sequence: t.shape[1], size: t.shape[2] / count, split: true)
    }

    func run(_ inputs: [Tensor?], context: ExecutionContext) throws -> [Tensor] {
        let args = KernelInputs(inputs, node: node)
        let q0 = try args.tensor(0)
        guard q0.dtype.isFloatingPoint else { throw node.error("Q has dtype \(q0.dtype.rawValue); expected a float type", kind: .invalidInput) }
        if q0.dtype != .float32 {
            let softmax = NarrowRounding(softmaxPrecision ?? q0.dtype)
            return try runWidened(inputs, from: q0.dtype, context: context) {
                try compute($0, steps: NarrowRounding(q0.dtype), softmax: softmax)
            }
        }
        return try compute(inputs, steps: nil, softmax: softmaxPrecision.flatMap(NarrowRounding.init))
    }

    /// The float32 computation; `steps` and `softmax` round as the type doc says.
    private func compute(_ inputs: [Tensor?], steps: NarrowRounding?, softmax: NarrowRounding?) throws -> [Tensor] {
        let args = KernelInputs(inputs, node: node)
        let q0 = try args.tensor(0)
        let (kIn, vIn) = (try args.tensor(1), try args.tensor(2))
        guard kIn.dtype == .float32, vIn.dtype == .float32, kIn.rank == q0.rank, vIn.rank == q0.rank else {
            throw node.error("Q \(q0.type), K \(kIn.type) and V \(vIn.type) must be float tensors of one rank", kind: .invalidInput)
        }
        let q = try heads(q0, qHeads, "Q")
        var k = try heads(kIn, kvHeads, "K"), v = try heads(vIn, kvHeads, "V")
        let (pastKey, pastValue) = (args.optional(4), args.optional(5))
        // Clamped far outside every comparison's range, which keeps the offsets free of overflow.
        let reach = q0.count + kIn.count + (args.optional(4)?.count ?? 0) + 1
        let nonpad = try args.ints(6, "nonpad_kv_seqlen")?.map { Swift.min(Swift.max($0, -reach), reach) }
        guard (pastKey == nil) == (pastValue == nil), nonpad == nil || pastKey == nil else {
            throw node.error("past_key and past_value come together, and not with nonpad_kv_seqlen", kind: .invalidInput)
        }
        let batch = q.batch
        guard k.batch == batch, v.batch == batch, k.heads == v.heads, k.sequence == v.sequence, q.size == k.size,
              k.heads > 0, q.heads % k.heads == 0 else {
            throw node.error("Q \(q0.type), K \(kIn.type) and V \(vIn.type) do not agree in batch, heads and sizes", kind: .invalidInput)
        }
        // K and V with the past prepended: the present outputs, [B, kv_heads, P + S, D].
        let past = pastKey?.shape.count == 4 ? pastKey!.shape[2] : 0
        if let pastKey, let pastValue {
            guard pastKey.dtype == .float32, pastValue.dtype == .float32, pastKey.shape == [batch, k.heads, past, k.size],
                  pastValue.shape == [batch, v.heads, past, v.size] else {
                throw node.error("past_key \(pastKey.type) and past_value \(pastValue.type) must be [B, kv_heads, P, head_size]",
                                 kind: .invalidInput)
            }
        }
        let kvLength = past + k.sequence
        func present(_ current: Heads, _ old: Tensor?) throws -> Tensor {
            let t = try Tensor(dtype: .float32, shape: [batch, current.heads, kvLength, current.size])
            let out = t.pointer(as: Float.self)
            for b in 0..<batch {
                for h in 0..<current.heads {
                    for s in 0..<kvLength {
                        let source = s < past ? old!.pointer(as: Float.self) + ((b * current.heads + h) * past + s) * current.size
                            : current.at(b, h, s - past)
                        (out + ((b * current.heads + h) * kvLength + s) * current.size).update(from: source, count: current.size)
                    }
                }
            }
            return t
        }
        let presentKey = try present(k, pastKey), presentValue = try present(v, pastValue)
        k = Heads(values: presentKey.pointer(as: Float.self), batch: batch, heads: k.heads, sequence: kvLength, size: k.size, split: false)
        v = Heads(values: presentValue.pointer(as: Float.self), batch: batch, heads: v.heads, sequence: kvLength, size: v.size, split: false)
        if let nonpad, nonpad.count != batch {
            throw node.error("nonpad_kv_seqlen holds \(nonpad.count) values for a batch of \(batch)", kind: .invalidInput)
        }
        let bias = try biasFunction(args.optional(3), batch: batch, heads: q.heads, queries: q.sequence, keys: kvLength,
                                    past: pastKey == nil ? nil : past, nonpad: nonpad)
        @inline(__always) func round(_ x: Float) -> Float { steps?(x) ?? x }
        let rootScale = round(Float(Foundation.sqrt(scale.map { Double($0) } ?? 1 / Foundation.sqrt(Double(q.size)))))
        let cap = round(softcap)
        let group = q.heads / k.heads
        let y = try Tensor(dtype: .float32, shape: q0.rank == 4 ? [batch, q.heads, q.sequence, v.size] : [batch, q.sequence, q.heads * v.size])
        let scores = try Tensor(dtype: .float32, shape: [batch, q.heads, q.sequence, kvLength])
        let out = Heads(values: y.pointer(as: Float.self), batch: batch, heads: q.heads, sequence: q.sequence, size: v.size, split: q0.rank == 3)
        let scoreOut = scores.pointer(as: Float.self)
        var row = [Float](repeating: 0, count: kvLength), raw = row, biased = row, weights = row
        var scaledQ = [Float](repeating: 0, count: q.size)
        for b in 0..<batch {
            for h in 0..<q.heads {
                for i in 0..<q.sequence {
                    let qi = q.at(b, h, i)
                    for d in 0..<q.size { scaledQ[d] = round(qi[d] * rootScale) }
                    var rowBias = -Float.infinity
                    for j in 0..<kvLength {
                        let kj = k.at(b, h / group, j)
                        var dot: Float = 0
                        for d in 0..<q.size { dot += scaledQ[d] * round(kj[d] * rootScale) }
                        dot = round(dot)
                        raw[j] = dot
                        if softcap > 0 { dot = round(round(Foundation.tanh(round(dot / cap))) * cap) }
                        row[j] = dot
                        let add = bias(b, h, i, j)
                        rowBias = Swift.max(rowBias, add)
                        biased[j] = round(dot + add)
                    }
                    normalize(biased, into: &weights, rowBias: rowBias, rounding: softmax)
                    let chosen = outputMode == 3 ? weights : outputMode == 2 ? biased : outputMode == 1 ? row : raw
                    (scoreOut + ((b * q.heads + h) * q.sequence + i) * kvLength).update(from: chosen, count: kvLength)
                    let yi = out.at(b, h, i)
                    for d in 0..<v.size { yi[d] = 0 }
                    for j in 0..<kvLength {
                        let vj = v.at(b, h / group, j)
                        for d in 0..<v.size { yi[d] += weights[j] * vj[d] }
                    }
                }
            }
        }
        return [y, presentKey, presentValue, scores]
    }

    /// The softmax of one row of biased scores; a row whose bias is all −∞ gets zero weights.
    private func normalize(_ biased: [Float], into weights: inout [Float], rowBias: Float, rounding r: NarrowRounding?) {
        let count = biased.count
        for j in 0..<count { weights[j] = r?(biased[j]) ?? biased[j] }
        let top = weights.max() ?? 0
        let shift = top == -.infinity ? 0 : top
        if let r {
            for j in 0..<count { weights[j] = r(Foundation.exp(r(weights[j] - shift))) }
            var sum = weights.withUnsafeBufferPointer { r.sum($0.baseAddress!, count: count) }
            if sum == 0 { sum = 1 }
            for j in 0..<count { weights[j] = rowBias == -.infinity ? 0 : r(weights[j] / sum) }
            return
        }
        var sum: Float = 0
        for j in 0..<count { weights[j] = Foundation.exp(weights[j] - shift); sum += weights[j] }
        if sum == 0 { sum = 1 }
        for j in 0..<count { weights[j] = rowBias == -.infinity ? 0 : weights[j] / sum }
    }

    /// The additive bias of query i and key j in head h of batch entry b.
    private func biasFunction(_ mask: Tensor?, batch: Int, heads: Int, queries: Int, keys: Int, past: Int?,
                              nonpad: [Int]?) throws -> (Int, Int, Int, Int) -> Float {
        var maskAt: ((Int, Int, Int, Int) -> Float)?
        if let mask {
            guard mask.rank >= 1, mask.rank <= 4, mask.dtype == .bool || mask.dtype.isFloatingPoint else {
                throw node.error("attn_mask \(mask.type) must be bool or float of rank 1 to 4", kind: .invalidInput)
            }
            let dims = Array(repeating: 1, count: 4 - mask.rank) + mask.shape
            guard (dims[0] == 1 || dims[0] == batch), (dims[1] == 1 || dims[1] == heads), (dims[2] == 1 || dims[2] == queries),
                  dims[3] <= keys else {
                throw node.error("attn_mask \(mask.type) does not broadcast to [\(batch), \(heads), \(queries), \(keys)]", kind: .invalidInput)
            }
            let values = (0..<mask.count).map { i -> Float in
                mask.dtype == .bool ? (mask.intValue(at: i) != 0 ? 0 : -.infinity) : Float(mask.doubleValue(at: i))
            }
            maskAt = { b, h, i, j in
                guard j < dims[3] else { return -.infinity }
                let index = ((((dims[0] == 1 ? 0 : b) * dims[1] + (dims[1] == 1 ? 0 : h)) * dims[2] + (dims[2] == 1 ? 0 : i)) * dims[3]) + j
                return values[index]
            }
        }
        let offset: (Int) -> Int = { b in
            if let past { return past }
            if let nonpad { return nonpad[b] - queries }
            return 0
        }
        let (causal, left, right) = (isCausal, leftWindow, rightWindow)
        return { b, h, i, j in
            var value = maskAt?(b, h, i, j) ?? 0
            if causal, j > i + offset(b) { value += -.infinity }
            if left >= 0 || right >= 0 {
                let diff = i + offset(b) - j
                if (left >= 0 && diff > left) || (right >= 0 && -diff > right) { value += -.infinity }
            }
            if let nonpad, j >= nonpad[b] { value += -.infinity }
            return value
        }
    }
}
