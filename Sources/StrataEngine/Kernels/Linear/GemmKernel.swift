import StrataCore
import CStrataKernels

/// ONNX `Gemm`: `Y = alpha·op(A)·op(B) + beta·C`, with C broadcast to [M, N] (optional from opset 11).
/// float16 and bfloat16 are computed in float32.
struct GemmKernel: WeightPacking {
    let node: Node
    let transA: Bool
    let transB: Bool
    let alpha: Float
    let beta: Float
    /// A constant float32 B, packed on first use where the tier has its own GEMM (which then runs
    /// the products with alpha 1 and A not transposed).
    let packedB: PackedGemmWeight?

    init(_ ctx: KernelBuildContext) throws {
        node = ctx.node
        let attributes = try node.typed(GemmAttributes.self)
        (transA, transB, alpha, beta) = (attributes.transA, attributes.transB, attributes.alpha, attributes.beta)
        packedB = attributes.alpha == 1 && !attributes.transA && PackedGemmWeight.mayHaveRows(ctx.inputTypes.first ?? nil)
            ? ctx.constant(1).flatMap { PackedGemmWeight($0, transposed: attributes.transB, name: "node '\(ctx.node.name)'") } : nil
    }

    func packWeights() throws { _ = try packedB?.panels() }

    func run(_ inputs: [Tensor?], context: ExecutionContext) throws -> [Tensor] {
        guard inputs.count >= 2, let a = inputs[0], let b = inputs[1] else { throw node.error("needs inputs A and B") }
        let c = inputs.count > 2 ? inputs[2] : nil
        guard a.dtype == b.dtype, c.map({ $0.dtype == a.dtype }) ?? true else {
            throw node.error("inputs have different dtypes", kind: .invalidInput)
        }
        switch a.dtype {
        case .float32:
            // A packed B serves one row too: reading B another way would bring its bytes back as well.
            let packed = packedB.map { $0.holds(b) && strata_sgemm_packed_supported() != 0 } ?? false
            if !packed, let y = try rowTimesTransposed(a, b, c, context: context) { return [y] }
            return [try compute(Float.self, a, b, c, context: context)]
        case .float64: return [try compute(Double.self, a, b, c, context: context)]
        case .int32: return [try compute(Int32.self, a, b, c, context: context)]
        case .int64: return [try compute(Int64.self, a, b, c, context: context)]
        case .uint32: return [try compute(UInt32.self, a, b, c, context: context)]
        case .uint64: return [try compute(UInt64.self, a, b, c, context: context)]
        case .float16, .bfloat16:
            return try runWidened(inputs, from: a.dtype, context: context) { try run($0, context: context) }
        default: throw node.error("dtype \(a.dtype.rawValue) is not supported", kind: .unsupported)
        }
    }

    /// The classifier layer at batch 1: one row of A times Bᵀ (+ a bias row), as dot products split
    /// over the context's threads. BLAS would run the whole matrix-vector product on one thread, and
    /// at batch 1 reading B is the whole cost. nil for every other case.
    private func rowTimesTransposed(_ a: Tensor, _ b: Tensor, _ c: Tensor?, context: ExecutionContext) throws -> Tensor? {
        guard transB, alpha == 1, a.dtype == .float32, b.dtype == .float32, a.rank == 2, b.rank == 2,
              a.count == (transA ? a.shape[0] : a.shape[1]), a.count == b.shape[1], a.count > 0 else { return nil }
        let n = b.shape[0], k = b.shape[1]
        if let c, beta != 0 {
            guard beta == 1, c.dtype == .float32, c.count == n, c.shape.last == n || n == 1 else { return nil }
        }
        let y = try Tensor(dtype: .float32, shape: [1, n])
        let bias = (c != nil && beta != 0) ? c : nil
        let job = GemvJob(a: UnsafePointer(b.pointer(as: Float.self)), x: UnsafePointer(a.pointer(as: Float.self)),
                          y: y.pointer(as: Float.self), bias: bias.map { UnsafePointer($0.pointer(as: Float.self)) })
        context.parallelFor(n, minChunk: max(1, 32768 / k)) { range in
            var ep = FusedActivation.biasOnly(job.bias) ?? strata_epilogue()
            strata_sgemv_rows(Int32(k), job.a, Int32(k), job.x, Int32(range.lowerBound), Int32(range.upperBound), job.y, 1, &ep)
        }
        return y
    }

    private func compute<T: GemmScalar>(
        _: T.Type, _ a: Tensor, _ b: Tensor, _ c: Tensor?, context: ExecutionContext
    ) throws -> Tensor {
        guard a.rank == 2, b.rank == 2 else {
            throw node.error("A \(a.shape) and B \(b.shape) must be matrices", kind: .invalidInput)
        }
        let (m, k) = transA ? (a.shape[1], a.shape[0]) : (a.shape[0], a.shape[1])
        let (kb, n) = transB ? (b.shape[1], b.shape[0]) : (b.shape[0], b.shape[1])
        guard k == kb else {
            throw node.error("inner dimensions differ: A \(a.shape), B \(b.shape)", kind: .invalidInput)
        }
        let y = try Tensor(dtype: T.dtype, shape: [m, n])
        let out = y.pointer(as: T.self)
        var accumulate = false
        if let c, beta != 0 {
            guard c.rank <= 2 else { throw node.error("C \(c.shape) does not broadcast to [\(m), \(n)]", kind: .invalidInput) }
            let padded = Array(repeating: 1, count: 2 - c.rank) + c.shape
            guard padded[0] == 1 || padded[0] == m, padded[1] == 1 || padded[1] == n else {
                throw node.error("C \(c.shape) does not broadcast to [\(m), \(n)]", kind: .invalidInput)
            }
            let src = c.pointer(as: T.self)
            let (rowStride, colStride) = (padded[0] == 1 ? 0 : padded[1], padded[1] == 1 ? 0 : 1)
            let scale = T(float: beta)
            for i in 0..<m {
                for j in 0..<n { out[i * n + j] = scale * src[i * rowStride + j * colStride] }
            }
            accumulate = true
        }
        if k == 0 {
            if !accumulate { out.update(repeating: 0, count: m * n) }
            return y
        }
        if T.self == Float.self, n > 1, let packedB, packedB.holds(b), packedB.k == k, packedB.n == n,
           let panels = try packedB.panels() {
            BlockedGemm.multiply(m: m, n: n, k: k, a: a.pointer(as: Float.self), lda: a.shape[1], packed: panels,
                                 c: y.pointer(as: Float.self), ldc: n, accumulate: accumulate, context: context)
            return y
        }
        context.gemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: T(float: alpha),
                     a: a.pointer(as: T.self), lda: a.shape[1], b: b.pointer(as: T.self), ldb: b.shape[1],
                     beta: accumulate ? 1 : 0, c: out, ldc: n)
        return y
    }
}

/// Pointers handed to the threads of `GemmKernel`'s matrix-vector path.
private struct GemvJob: @unchecked Sendable {
    let a: UnsafePointer<Float>
    let x: UnsafePointer<Float>
    let y: UnsafeMutablePointer<Float>
    let bias: UnsafePointer<Float>?
}
