import StrataCore

/// `ArgMax` and `ArgMin`: the int64 index of the largest (smallest) element along `axis`;
/// the first such index, or the last with `select_last_index`; `keepdims` keeps the axis as 1.
struct ArgExtremumKernel: Kernel {
    let node: Node
    let axis: Int
    let keepDims: Bool
    let lastIndex: Bool
    let largest: Bool

    init(_ ctx: KernelBuildContext) throws {
        node = ctx.node
        largest = node.opType == "ArgMax"
        let attributes = try node.typed(ArgReduceAttributes.self)
        axis = attributes.axis
        keepDims = attributes.keepDims
        lastIndex = attributes.selectLastIndex
    }

    func run(_ inputs: [Tensor?], context: ExecutionContext) throws -> [Tensor] {
        guard let x = inputs.first ?? nil else { throw node.error("input is missing") }
        let a = try AxisRules.normalize(axis, rank: x.rank, node: node)
        let split = AxisSplit(x.shape, axis: a)
        guard split.axis > 0 || split.outer * split.inner == 0 else {
            throw node.error("cannot take \(node.opType) over an empty axis", kind: .invalidInput)
        }
        var outShape = x.shape
        if keepDims { outShape[a] = 1 } else { outShape.remove(at: a) }
        guard let computeType = NumericStaging.computeType(for: x.dtype, integers: true) else {
            throw NumericStaging.unsupported(x.dtype, node: node, supported: "numeric")
        }
        let staged = try NumericStaging.convert(x, to: computeType)
        let y = try Tensor(dtype: .int64, shape: outShape)
        switch computeType {
        case .float32: select(Float.self, staged, split: split, into: y, context: context)
        case .float64: select(Double.self, staged, split: split, into: y, context: context)
        default: select(Int64.self, staged, split: split, into: y, context: context)
        }
        return [y]
    }

    private func select<T: ReduceScalar>(_ type: T.Type, _ x: Tensor, split: AxisSplit, into y: Tensor, context: ExecutionContext) {
        let (n, inner) = (split.axis, split.inner)
        let (largest, lastIndex) = (self.largest, self.lastIndex)
        if inner == 1 {
            context.parallelFor(split.outer, minChunk: Swift.max(1, 16384 / Swift.max(n, 1))) { range in
                let xp = x.pointer(as: T.self), yp = y.pointer(as: Int64.self)
                for o in range {
                    let line = xp + o * n
                    var best = line[0], bestIndex = 0
                    for r in 1..<n {
                        let v = line[r]
                        let better = largest ? (lastIndex ? v >= best : v > best) : (lastIndex ? v <= best : v < best)
                        if better {
                            best = v
                            bestIndex = r
                        }
                    }
                    yp[o] = Int64(bestIndex)
                }
            }
            return
        }
        // Along a strided axis: one row of candidates at a time, contiguous over the inner elements.
        let chunk = 512
        let chunks = (inner + chunk - 1) / chunk
        context.parallelFor(split.outer * chunks, minChunk: Swift.max(1, 16384 / Swift.max(1, n * Swift.min(inner, chunk)))) { range in
            let xp = x.pointer(as: T.self), yp = y.pointer(as: Int64.self)
            var best = [T](repeating: .zero, count: chunk)
            for task in range {
                let o = task / chunks
                let i0 = (task % chunks) * chunk, width = Swift.min(inner, i0 + chunk) - i0
                let out = yp + o * inner + i0
                let first = xp + o * n * inner + i0
                for i in 0..<width {
                    best[i] = first[i]
                    out[i] = 0
                }
                for r in 1..<n {
                    let row = first + r * inner
                    for i in 0..<width {
                        let v = row[i]
                        let better = largest ? (lastIndex ? v >= best[i] : v > best[i]) : (lastIndex ? v <= best[i] : v < best[i])
                        if better {
                            best[i] = v
                            out[i] = Int64(r)
                        }
                    }
                }
            }
        }
    }
}
