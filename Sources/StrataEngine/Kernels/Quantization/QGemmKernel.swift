import StrataCore

/// onnxruntime's `com.microsoft` `QGemm` (inputs A, a_scale, a_zero_point, B, b_scale,
/// b_zero_point, C, y_scale, y_zero_point; attributes `alpha`, `transA`, `transB`):
/// `sum = (A - a_zero_point)·(B - b_zero_point) + C` exactly in int32 (C an int32 bias, broadcast
/// to [M, N]); then `sum · alpha·a_scale·b_scale` as float32 when y_scale is absent, else
/// `saturate(round(sum · alpha·a_scale·b_scale / y_scale) + y_zero_point)`. b_scale and
/// b_zero_point are per tensor or per column of the product.
struct QGemmKernel: Kernel {
    let node: Node
    let alpha: Float
    let transA: Bool
    let transB: Bool

    init(_ ctx: KernelBuildContext) throws {
        node = ctx.node
        let attributes = try node.typed(GemmAttributes.self)
        (alpha, transA, transB) = (attributes.alpha, attributes.transA, attributes.transB)
    }

    func run(_ inputs: [Tensor?], context: ExecutionContext) throws -> [Tensor] {
        let args = KernelInputs(inputs, node: node)
        let (a, b) = (try args.tensor(0), try args.tensor(3))
        guard a.rank == 2, b.rank == 2 else {
            throw node.error("A and B must be matrices, found \(a.shape) and \(b.shape)", kind: .invalidInput)
        }
        let (m, k) = transA ? (a.shape[1], a.shape[0]) : (a.shape[0], a.shape[1])
        let (kb, n) = transB ? (b.shape[1], b.shape[0]) : (b.shape[0], b.shape[1])
        guard k == kb else { throw node.error("inner dimensions differ: A gives \(k), B gives \(kb)", kind: .invalidInput) }
        let wideA = try MatMulIntegerKernel.widened(a, args.optional(2), axis: 0, "A", node: node)
        if let zero = args.optional(2), zero.count != 1 {
            throw node.error("a_zero_point must be one value, found \(zero.shape)", kind: .unsupported)
        }
        let wideB = try MatMulIntegerKernel.widened(b, args.optional(5), axis: transB ? 0 : 1, "B", node: node)
        let sums = try Tensor(dtype: .int32, shape: [m, n], zeroed: true)
        let acc = sums.pointer(as: Int32.self)
        if let c = args.optional(6) {
            guard c.dtype == .int32, let plan = try? Broadcast([c.shape, [m, n]]), plan.shape == [m, n] else {
                throw node.error("C must be an int32 tensor that broadcasts to [\(m), \(n)], found \(c.type)", kind: .invalidInput)
            }
            let bias = c.pointer(as: Int32.self)
            plan.forEachRun(in: 0..<plan.count) { start, starts, length, steps in
                for j in 0..<length { acc[start + j] = bias[starts[0] + j * steps[0]] }
            }
        }
        if m > 0, n > 0 {
            Int32.gemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: 1,
                       a: wideA.pointer(as: Int32.self), lda: a.shape[1], b: wideB.pointer(as: Int32.self), ldb: b.shape[1],
                       beta: 1, c: acc, ldc: n)
        }
        let aScale = try QuantizedInteger.scales(try args.tensor(1), "a_scale", node: node)
        let bScale = try QuantizedInteger.scales(try args.tensor(4), "b_scale", node: node)
        guard aScale.count == 1, bScale.count == 1 || bScale.count == n else {
            throw node.error("a_scale must be one value and b_scale one or one per column (\(n))", kind: .invalidInput)
        }
        let scales = bScale.map { alpha * aScale[0] * $0 }
        guard let yScaleTensor = args.optional(7) else {
            let y = try Tensor(dtype: .float32, shape: [m, n])
            let out = y.pointer(as: Float.self)
            for i in 0..<(m * n) { out[i] = Float(acc[i]) * scales[scales.count == 1 ? 0 : i % n] }
            return [y]
        }
        let yScale = try QuantizedInteger.scales(yScaleTensor, "y_scale", node: node)
        let yZero = args.optional(8)
        let dtype = yZero?.dtype ?? a.dtype
        let range = try QuantizedInteger.requireRange(dtype, "the output", node: node)
        let zero = try QuantizedInteger.zeroPoints(yZero, matching: dtype, "y_zero_point", node: node)
        guard yScale.count == 1, zero.count == 1 else {
            throw node.error("y_scale and y_zero_point must be single values", kind: .invalidInput)
        }
        let multipliers = scales.map { $0 / yScale[0] }
        return [try QuantizedInteger.make(dtype, shape: [m, n]) { i in
            QuantizedInteger.requantize(acc[i], by: multipliers[multipliers.count == 1 ? 0 : i % n], zeroPoint: zero[0], range: range)
        }]
    }
}
