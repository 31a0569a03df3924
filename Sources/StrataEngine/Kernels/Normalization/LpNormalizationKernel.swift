import StrataCore

/// `LpNormalization`: `x / ||x||_p` along `axis` (default -1) for `p` 1 or 2; a line whose norm
/// is 0 stays 0.
struct LpNormalizationKernel: Kernel {
    let node: Node
    let axis: Int
    let p: Int

    init(_ ctx: KernelBuildContext) throws {
        node = ctx.node
        let attributes = try node.typed(LpNormalizationAttributes.self)
        (axis, p) = (attributes.axis, attributes.p)
    }

    func run(_ inputs: [Tensor?], context: ExecutionContext) throws -> [Tensor] {
        guard let x = inputs.first ?? nil else { throw node.error("input is missing") }
        let a = try AxisRules.normalize(axis, rank: x.rank, node: node)
        guard let computeType = NumericStaging.computeType(for: x.dtype, integers: false) else {
            throw NumericStaging.unsupported(x.dtype, node: node, supported: "floating point")
        }
        let staged = try NumericStaging.convert(x, to: computeType)
        let y = try Tensor(dtype: computeType, shape: x.shape)
        let split = AxisSplit(x.shape, axis: a)
        if computeType == .float64 {
            normalize(Double.self, staged, split: split, into: y, context: context)
        } else {
            normalize(Float.self, staged, split: split, into: y, context: context)
        }
        return [try NumericStaging.convert(y, to: x.dtype)]
    }

    private func normalize<T: ReduceFloat>(_ type: T.Type, _ x: Tensor, split: AxisSplit, into y: Tensor, context: ExecutionContext) {
        let (n, inner, squared) = (split.axis, split.inner, p == 2)
        context.parallelFor(split.outer * inner, minChunk: Swift.max(1, 8192 / Swift.max(n, 1))) { range in
            let xp = x.pointer(as: T.self), yp = y.pointer(as: T.self)
            for line in range {
                let o = line / inner, i = line % inner
                let src = xp + o * n * inner + i, dst = yp + o * n * inner + i
                var norm: T = 0
                for r in 0..<n {
                    let v = src[r * inner]
                    norm += squared ? v * v : abs(v)
                }
                if squared { norm = norm.squareRoot() }
                let scale: T = norm == 0 ? 0 : 1 / norm
                for r in 0..<n { dst[r * inner] = src[r * inner] * scale }
            }
        }
    }
}
