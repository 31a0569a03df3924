import CStrataKernels
import StrataCore

/// ONNX `MatMul` with numpy semantics: 1-D operands are promoted (and the added axis dropped),
/// batch axes broadcast. float32/float64 through BLAS, 32/64-bit integers through loops,
/// float16/bfloat16 in float32.
struct MatMulKernel: WeightPacking {
    let node: Node
    /// A constant 2-D float32 B, packed on first use where the tier has its own GEMM.
    let packedB: PackedGemmWeight?

    init(_ ctx: KernelBuildContext) throws {
        node = ctx.node
        packedB = PackedGemmWeight.mayHaveRows(ctx.inputTypes.first ?? nil)
            ? ctx.constant(1).flatMap { PackedGemmWeight($0, name: "node '\(ctx.node.name)'") } : nil
    }

    func packWeights() throws { _ = try packedB?.panels() }

    func run(_ inputs: [Tensor?], context: ExecutionContext) throws -> [Tensor] {
        guard inputs.count == 2, let a = inputs[0], let b = inputs[1] else { throw node.error("needs inputs A and B") }
        guard a.dtype == b.dtype else {
            throw node.error("A is \(a.dtype.rawValue) but B is \(b.dtype.rawValue)", kind: .invalidInput)
        }
        switch a.dtype {
        case .float32:
            let packed = packedB.flatMap { $0.holds(b) ? $0 : nil }
            return [try Self.multiply(Float.self, a, b, packedB: packed, node: node, context: context)]
        case .float64: return [try Self.multiply(Double.self, a, b, node: node, context: context)]
        case .int32: return [try Self.multiply(Int32.self, a, b, node: node, context: context)]
        case .int64: return [try Self.multiply(Int64.self, a, b, node: node, context: context)]
        case .uint32: return [try Self.multiply(UInt32.self, a, b, node: node, context: context)]
        case .uint64: return [try Self.multiply(UInt64.self, a, b, node: node, context: context)]
        case .float16, .bfloat16:
            return try runWidened(inputs, from: a.dtype, context: context) { try run($0, context: context) }
        default: throw node.error("dtype \(a.dtype.rawValue) is not supported", kind: .unsupported)
        }
    }

    /// The product with `bias` added along its last axis (a fused `MatMul → Add`); nil where the
    /// operands are not float32 or the bias does not fit the product's shape, and the two nodes
    /// must run apart.
    func run(_ inputs: [Tensor?], columnBias bias: ColumnBias, context: ExecutionContext) throws -> Tensor? {
        guard inputs.count == 2, let a = inputs[0], let b = inputs[1], a.dtype == .float32, b.dtype == .float32,
              let shape = try OpRegistry.matMulShape(a.shape.dims, b.shape.dims, node: node).concrete, bias.fits(shape)
        else { return nil }
        let packed = packedB.flatMap { $0.holds(b) ? $0 : nil }
        return try Self.multiply(Float.self, a, b, packedB: packed, columnBias: bias, node: node, context: context)
    }

    /// `a @ b` (numpy `matmul`), optionally with either operand's last two axes transposed.
    /// float32 products without transposes go through `BlockedGemm`, the others through
    /// `ExecutionContext.gemm`. A batch of products is spread over the threads (each product on
    /// one) when there are enough of them or each is small; otherwise each product is threaded.
    /// `packedB` (b itself, packed) replaces b's bytes where `BlockedGemm` runs with the tier's own
    /// GEMM; b's bytes are then not read. `columnBias` (float32 only, of a shape that fits the
    /// product's) is added along the last axis: by the GEMM as it stores on the packed path, after
    /// the product on the others.
    static func multiply<T: GemmScalar>(_: T.Type, _ a: Tensor, _ b: Tensor, transA: Bool = false, transB: Bool = false,
                                        packedB: PackedGemmWeight? = nil, columnBias: ColumnBias? = nil, node: Node,
                                        context: ExecutionContext) throws -> Tensor {
        let y = try multiplied(T.self, a, b, transA: transA, transB: transB, packedB: packedB, columnBias: columnBias, node: node,
                            context: context)
        if let columnBias, !y.biasAdded { columnBias.add(to: y.tensor, context: context) }
        return y.tensor
    }

    /// The product, and whether `columnBias` is in it already (the packed path's epilogue).
    private static func multiplied<T: GemmScalar>(_: T.Type, _ a: Tensor, _ b: Tensor, transA: Bool, transB: Bool,
                                               packedB: PackedGemmWeight?, columnBias: ColumnBias?, node: Node,
                                               context: ExecutionContext) throws -> (tensor: Tensor, biasAdded: Bool) {
        let outShape = try OpRegistry.matMulShape(
            (transA ? swapLast(a.shape) : a.shape).dims, (transB ? swapLast(b.shape) : b.shape).dims, node: node
        ).concrete!
        let aShape = a.rank == 1 ? [1] + a.shape : a.shape
        let bShape = b.rank == 1 ? b.shape + [1] : b.shape
        let (m, k) = transA ? (aShape[aShape.count - 1], aShape[aShape.count - 2]) : (aShape[aShape.count - 2], aShape[aShape.count - 1])
        let n = transB ? bShape[bShape.count - 2] : bShape[bShape.count - 1]
        let y = try Tensor(dtype: T.dtype, shape: outShape)
        let out = y.pointer(as: T.self)
        if y.count == 0 { return (y, true) }
        if k == 0 {
            out.update(repeating: 0, count: y.count)
            return (y, false)
        }
        let lda = aShape[aShape.count - 1], ldb = bShape[bShape.count - 1]
        let aBatch = Array(aShape.dropLast(2)), bBatch = Array(bShape.dropLast(2))

        // A batched against one matrix B folds into the rows of a single product (below), so a
        // batch of 1-row products (ViT's [197, 1, 768] tokens) still runs as one 197-row product.
        let folds = bBatch.elementCount == 1 && !transA
        let rows = folds ? aBatch.elementCount * m : m
        let blocked = T.self == Float.self && !transA && !transB && rows > 1 && n > 1
        // With B packed, one row too (a batch size unknown when the model was compiled, 1 at run time):
        // any other path would read B's bytes again, beside the packed copy.
        if T.self == Float.self, !transB, folds, rows >= 1, n > 1, b.rank == 2, let packedB, packedB.k == k, packedB.n == n,
           let panels = try packedB.panels() {
            let epilogue = columnBias.map {
                strata_epilogue(bias: nil, activation: Int32(STRATA_ACT_NONE.rawValue), alpha: 0, beta: 0,
                                column_bias: UnsafePointer($0.values.pointer(as: Float.self)))
            }
            BlockedGemm.multiply(m: rows, n: n, k: k, a: a.pointer(as: Float.self), lda: lda, packed: panels,
                                 c: y.pointer(as: Float.self), ldc: n, accumulate: false, epilogue: epilogue, context: context)
            return (y, true)
        }
        let pa = a.pointer(as: T.self), pb = b.pointer(as: T.self)
        @Sendable func product(_ rows: Int, _ a: UnsafePointer<T>, _ b: UnsafePointer<T>, _ c: UnsafeMutablePointer<T>,
                               _ context: ExecutionContext) {
            if blocked {
                a.withMemoryRebound(to: Float.self, capacity: rows * k) { fa in
                    b.withMemoryRebound(to: Float.self, capacity: k * n) { fb in
                        c.withMemoryRebound(to: Float.self, capacity: rows * n) { fc in
                            BlockedGemm.multiply(m: rows, n: n, k: k, a: fa, lda: lda, b: fb, ldb: ldb, c: fc, ldc: n,
                                                 accumulate: false, context: context)
                        }
                    }
                }
            } else {
                context.gemm(transA: transA, transB: transB, m: rows, n: n, k: k, alpha: 1, a: a, lda: lda, b: b, ldb: ldb,
                             beta: 0, c: c, ldc: n)
            }
        }

        if folds {
            product(rows, pa, pb, out, context)
            return (y, false)
        }
        let batch = Array(outShape.dropLast((a.rank > 1 ? 1 : 0) + (b.rank > 1 ? 1 : 0)))
        let aStrides = broadcastStrides(aBatch, to: batch, matrix: m * k)
        let bStrides = broadcastStrides(bBatch, to: batch, matrix: k * n)
        let count = batch.elementCount
        @Sendable func offsets(_ p: Int) -> (a: Int, b: Int) {
            var rest = p, offA = 0, offB = 0
            for axis in stride(from: batch.count - 1, through: 0, by: -1) {
                let i = rest % batch[axis]
                rest /= batch[axis]
                offA += i * aStrides[axis]
                offB += i * bStrides[axis]
            }
            return (offA, offB)
        }
        // Attention's per-head products are small (ViT-B/16: 12 of 197×64×197): threading each
        // alone kept most threads idle.
        let perProduct = Double(m) * Double(n) * Double(k)
        if context.threads > 1, count > 1,
           count >= context.threads || perProduct < 4 * Double(ExecutionContext.gemmWorkPerThread) {
            let job = MatMulJob(a: pa, b: pb, c: out)
            let single = ExecutionContext(threads: 1)
            context.parallelFor(count) { range in
                for p in range {
                    let (offA, offB) = offsets(p)
                    product(m, job.a + offA, job.b + offB, job.c + p * m * n, single)
                }
            }
        } else {
            for p in 0..<count {
                let (offA, offB) = offsets(p)
                product(m, pa + offA, pb + offB, out + p * m * n, context)
            }
        }
        return (y, false)
    }

    private static func swapLast(_ shape: [Int]) -> [Int] {
        guard shape.count >= 2 else { return shape }
        var s = shape
        s.swapAt(s.count - 1, s.count - 2)
        return s
    }

    /// Element strides of `shape`'s batch axes, right-aligned to `target`; 0 where broadcast.
    private static func broadcastStrides(_ shape: [Int], to target: [Int], matrix: Int) -> [Int] {
        var strides = [Int](repeating: 0, count: target.count)
        var step = matrix
        for i in stride(from: shape.count - 1, through: 0, by: -1) {
            let axis = target.count - shape.count + i
            strides[axis] = shape[i] == 1 ? 0 : step
            step *= shape[i]
        }
        return strides
    }
}

/// The operands handed to the threads of a batched product; each thread writes only its own products.
private struct MatMulJob<T>: @unchecked Sendable {
    let a: UnsafePointer<T>
    let b: UnsafePointer<T>
    let c: UnsafeMutablePointer<T>
}
