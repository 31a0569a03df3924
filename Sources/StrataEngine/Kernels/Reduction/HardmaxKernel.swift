import StrataCore

/// `Hardmax`: 1 at the first largest element of each line and 0 elsewhere. Lines are the
/// flattened trailing axes from `axis` (default 1) before opset 13, the single axis `axis`
/// (default -1) from 13 on.
struct HardmaxKernel: Kernel {
    let node: Node
    let axis: Int

    init(_ ctx: KernelBuildContext) throws {
        node = ctx.node
        axis = try node.typed(SoftmaxAttributes.self).axis
    }

    func run(_ inputs: [Tensor?], context: ExecutionContext) throws -> [Tensor] {
        guard let x = inputs.first ?? nil else { throw node.error("input is missing") }
        let a = try AxisRules.normalize(axis, rank: x.rank, node: node)
        let split = node.opset >= 13 ? AxisSplit(x.shape, axis: a) : AxisSplit(x.shape, axes: a..<x.rank)
        guard let computeType = NumericStaging.computeType(for: x.dtype, integers: false) else {
            throw NumericStaging.unsupported(x.dtype, node: node, supported: "floating point")
        }
        let staged = try NumericStaging.convert(x, to: computeType)
        let y = try Tensor(dtype: computeType, shape: x.shape, zeroed: true)
        if computeType == .float64 {
            mark(Double.self, staged, split: split, into: y)
        } else {
            mark(Float.self, staged, split: split, into: y)
        }
        return [try NumericStaging.convert(y, to: x.dtype)]
    }

    private func mark<T: ReduceFloat>(_ type: T.Type, _ x: Tensor, split: AxisSplit, into y: Tensor) {
        let (n, inner) = (split.axis, split.inner)
        guard n > 0 else { return }
        let xp = x.pointer(as: T.self), yp = y.pointer(as: T.self)
        for line in 0..<(split.outer * inner) {
            let base = (line / inner) * n * inner + line % inner
            var best = xp[base], bestIndex = 0
            for r in 1..<n where xp[base + r * inner] > best {
                best = xp[base + r * inner]
                bestIndex = r
            }
            yp[base + bestIndex * inner] = 1
        }
    }
}
