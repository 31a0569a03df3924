import StrataCore

/// NonZero: the coordinates of the nonzero elements, as int64 `[rank, count]` in row-major order.
struct NonZeroKernel: Kernel {
    let node: Node

    init(_ ctx: KernelBuildContext) throws { node = ctx.node }

    func run(_ inputs: [Tensor?], context: ExecutionContext) throws -> [Tensor] {
        let x = try KernelInputs(inputs, node: node).tensor(0)
        let flags = ElementTest.nonzero(x)
        let hits = flags.indices.filter { flags[$0] }
        let rank = x.rank
        let out = try Tensor(dtype: .int64, shape: [rank, hits.count])
        let p = out.pointer(as: Int64.self)
        for (j, flat) in hits.enumerated() {
            var rem = flat
            for d in stride(from: rank - 1, through: 0, by: -1) {
                p[d * hits.count + j] = Int64(rem % x.shape[d])
                rem /= x.shape[d]
            }
        }
        return [out]
    }
}
