import StrataCore

/// RotaryEmbedding (opset 23): rotates the first `rotary_embedding_dim` values (default: all) of each
/// head vector of X — [batch, heads, sequence, head_size], or [batch, sequence, hidden] with the
/// `num_heads` attribute — by angles given as cos and sin caches: with `position_ids` [batch, sequence]
/// the caches are [positions, dim/2] rows picked per token, without them [batch, sequence, dim/2].
/// Pairs are (i, i + dim/2), or adjacent (2i, 2i + 1) when `interleaved`; each becomes
/// (cos·x1 − sin·x2, sin·x1 + cos·x2). The rest of the head passes through. float32 (float16 and
/// bfloat16 through float32).
struct RotaryEmbeddingKernel: Kernel {
    let node: Node
    let interleaved: Bool
    let rotaryDim: Int
    let numHeads: Int

    init(_ ctx: KernelBuildContext) throws {
        node = ctx.node
        let attributes = try node.typed(RotaryEmbeddingAttributes.self)
        (interleaved, rotaryDim) = (attributes.interleaved, attributes.rotaryDim)
        numHeads = attributes.numHeads ?? 0
    }

    func run(_ inputs: [Tensor?], context: ExecutionContext) throws -> [Tensor] {
        let args = KernelInputs(inputs, node: node)
        let x = try args.tensor(0)
        guard x.dtype.isFloatingPoint else { throw node.error("input has dtype \(x.dtype.rawValue); expected a float type", kind: .invalidInput) }
        if x.dtype != .float32 {
            return try runWidened(inputs, from: x.dtype, context: context) { try run($0, context: context) }
        }
        let (cosCache, sinCache) = (try args.tensor(1), try args.tensor(2))
        let positions = args.optional(3)
        let (batch, heads, sequence, headSize): (Int, Int, Int, Int)
        if x.rank == 4 {
            (batch, heads, sequence, headSize) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        } else if x.rank == 3, numHeads > 0, x.shape[2] % numHeads == 0 {
            (batch, heads, sequence, headSize) = (x.shape[0], numHeads, x.shape[1], x.shape[2] / numHeads)
        } else {
            throw node.error("input \(x.type) must be [B, heads, S, head_size], or [B, S, hidden] with num_heads dividing hidden",
                             kind: .invalidInput)
        }
        let dim = rotaryDim == 0 ? headSize : rotaryDim
        let half = dim / 2
        guard dim <= headSize, dim % 2 == 0, cosCache.dtype == .float32, sinCache.dtype == .float32,
              cosCache.shape == sinCache.shape, cosCache.shape.last == half else {
            throw node.error("cos_cache \(cosCache.type) and sin_cache \(sinCache.type) must be float32 [..., \(half)] for a rotary "
                             + "dimension of \(dim) in heads of \(headSize)", kind: .invalidInput)
        }
        var rows: [Int]
        if let positions {
            guard positions.dtype.isInteger, positions.shape == [batch, sequence], cosCache.rank == 2 else {
                throw node.error("position_ids \(positions.type) must be [\(batch), \(sequence)] with [positions, \(half)] caches",
                                 kind: .invalidInput)
            }
            rows = positions.ints()
            if let bad = rows.first(where: { !(0..<cosCache.shape[0]).contains($0) }) {
                throw node.error("position id \(bad) lies outside the caches' \(cosCache.shape[0]) rows", kind: .invalidInput)
            }
        } else {
            guard cosCache.shape == [batch, sequence, half] else {
                throw node.error("without position_ids the caches must be [\(batch), \(sequence), \(half)], found \(cosCache.type)",
                                 kind: .invalidInput)
            }
            rows = Array(0..<(batch * sequence))
        }
        let y = try x.copy()
        let (src, dst) = (x.pointer(as: Float.self), y.pointer(as: Float.self))
        let (cosines, sines) = (cosCache.pointer(as: Float.self), sinCache.pointer(as: Float.self))
        for b in 0..<batch {
            for s in 0..<sequence {
                let (c, sn) = (cosines + rows[b * sequence + s] * half, sines + rows[b * sequence + s] * half)
                for h in 0..<heads {
                    let offset = x.rank == 4 ? ((b * heads + h) * sequence + s) * headSize : ((b * sequence + s) * heads + h) * headSize
                    for i in 0..<half {
                        let (first, second) = interleaved ? (2 * i, 2 * i + 1) : (i, i + half)
                        let (x1, x2) = (src[offset + first], src[offset + second])
                        dst[offset + first] = c[i] * x1 - sn[i] * x2
                        dst[offset + second] = sn[i] * x1 + c[i] * x2
                    }
                }
            }
        }
        return [y]
    }
}
