import StrataCore

/// Trilu: the upper (default) or lower triangle of each matrix in the last two axes, counting
/// from diagonal `k` (optional second input); the rest is zero.
struct TriluKernel: Kernel {
    let node: Node
    let upper: Bool

    init(_ ctx: KernelBuildContext) throws {
        node = ctx.node
        upper = try node.typed(TriluAttributes.self).upper
    }

    func run(_ inputs: [Tensor?], context: ExecutionContext) throws -> [Tensor] {
        let args = KernelInputs(inputs, node: node)
        let x = try args.tensor(0)
        guard x.rank >= 2 else { throw node.error("expects rank >= 2, found shape \(x.shape)", kind: .invalidInput) }
        var k = 0
        if let kValues = try args.ints(1, "k") {
            guard kValues.count == 1 else { throw node.error("k must be a scalar", kind: .invalidInput) }
            k = Swift.min(Swift.max(kValues[0], -(1 << 40)), 1 << 40)
        }
        let out = try x.copy()
        let rows = x.shape[x.rank - 2], cols = x.shape[x.rank - 1]
        let es = x.dtype.byteSize
        let matrices = rows * cols == 0 ? 0 : x.count / (rows * cols)
        let p = out.rawPointer
        for m in 0..<matrices {
            for i in 0..<rows {
                let row = p + ((m * rows + i) * cols) * es
                // Keep columns j with j - i >= k (upper) or j - i <= k (lower).
                let zero: Range<Int> = upper
                    ? 0..<Swift.min(cols, Swift.max(0, i + k))
                    : Swift.min(cols, Swift.max(0, i + k + 1))..<cols
                if !zero.isEmpty { (row + zero.lowerBound * es).initializeMemory(as: UInt8.self, repeating: 0, count: zero.count * es) }
            }
        }
        return [out]
    }
}
