import StrataCore

/// Tile: the input repeated `repeats[d]` times along each axis. Copied as the broadcast of the
/// input viewed as `[1, d0, 1, d1, …]` to `[r0, d0, r1, d1, …]`.
struct TileKernel: Kernel {
    let node: Node

    init(_ ctx: KernelBuildContext) throws { node = ctx.node }

    func run(_ inputs: [Tensor?], context: ExecutionContext) throws -> [Tensor] {
        let args = KernelInputs(inputs, node: node)
        let x = try args.tensor(0)
        guard let repeats = try args.ints(1, "repeats") else { throw node.error("repeats input is missing") }
        guard repeats.count == x.rank else {
            throw node.error("repeats has \(repeats.count) values for an input of rank \(x.rank)", kind: .invalidInput)
        }
        if repeats.contains(where: { $0 < 0 }) { throw node.error("repeats has a negative value", kind: .invalidInput) }
        let base = StridedCopy.contiguousStrides(x.shape)
        var shape: [Int] = [], strides: [Int] = []
        for d in 0..<x.rank {
            shape += [repeats[d], x.shape[d]]
            strides += [0, base[d]]
        }
        try OutputBudget.check(shape, x.dtype, node: node)
        let out = try StridedCopy.elements(of: x, shape: shape, strides: strides, context: context)
        return [out.reshaped(zip(x.shape, repeats).map { $0 * $1 })]
    }
}
