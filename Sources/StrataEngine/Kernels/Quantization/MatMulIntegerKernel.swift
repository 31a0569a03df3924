import StrataCore

/// ONNX `MatMulInteger` and `QLinearMatMul`: `(A - a_zero_point) @ (B - b_zero_point)` with numpy
/// `matmul` shapes, exactly in int32 (wrapping, as int32 accumulation does). Zero points and scales
/// are per tensor, per row of A (`[M]`) or per column of B (`[N]`). `QLinearMatMul` then requantizes
/// each sum: `saturate(round(sum · a_scale·b_scale/y_scale) + y_zero_point)`, the multiplier
/// computed in the scales' precision and the product in float32, as onnxruntime's MLAS does.
struct MatMulIntegerKernel: Kernel {
    let node: Node
    /// True for QLinearMatMul (inputs a, a_scale, a_zero_point, b, b_scale, b_zero_point, y_scale, y_zero_point).
    let requantizes: Bool

    init(_ ctx: KernelBuildContext, requantizes: Bool) throws {
        node = ctx.node
        self.requantizes = requantizes
    }

    func run(_ inputs: [Tensor?], context: ExecutionContext) throws -> [Tensor] {
        let args = KernelInputs(inputs, node: node)
        let (ai, bi) = requantizes ? (0, 3) : (0, 1)
        let (a, b) = (try args.tensor(ai), try args.tensor(bi))
        let aZero = args.optional(requantizes ? 2 : 2), bZero = args.optional(requantizes ? 5 : 3)
        let wideA = try Self.widened(a, aZero, axis: a.rank - 2, "A", node: node)
        let wideB = try Self.widened(b, bZero, axis: b.rank - 1, "B", node: node)
        let sums = try MatMulKernel.multiply(Int32.self, wideA, wideB, node: node, context: context)
        guard requantizes else { return [sums] }

        let (aScale, bScale, yScale) = (try args.tensor(1), try args.tensor(4), try args.tensor(6))
        let yZero = try args.tensor(7)
        let range = try QuantizedInteger.requireRange(yZero.dtype, "y_zero_point", node: node)
        let (sa, sb, sy) = (try QuantizedInteger.scales(aScale, "a_scale", node: node),
                            try QuantizedInteger.scales(bScale, "b_scale", node: node),
                            try QuantizedInteger.scales(yScale, "y_scale", node: node))
        let n = sums.shape.last ?? 1
        guard sa.count == 1, sy.count == 1, yZero.count == 1, sb.count == 1 || (b.rank >= 2 && sb.count == n) else {
            throw node.error("scales must be single values (b_scale may give one per column of B), found a_scale \(aScale.shape), "
                             + "b_scale \(bScale.shape), y_scale \(yScale.shape), y_zero_point \(yZero.shape)", kind: .invalidInput)
        }
        let multipliers = sb.map { QuantizedInteger.multiplier(sa[0], $0, over: sy[0], in: aScale.dtype) }
        let zero = yZero.ints()[0]
        let acc = sums.pointer(as: Int32.self)
        let y = try QuantizedInteger.make(yZero.dtype, shape: sums.shape) { i in
            QuantizedInteger.requantize(acc[i], by: multipliers[multipliers.count == 1 ? 0 : i % n], zeroPoint: zero, range: range)
        }
        return [y]
    }

    /// `t` as int32 minus its zero point, given per tensor or per index of `axis`.
    static func widened(_ t: Tensor, _ zeroPoint: Tensor?, axis: Int, _ name: String, node: Node) throws -> Tensor {
        _ = try QuantizedInteger.requireRange(t.dtype, name, node: node)
        guard let zeroPoint else { return try QuantizedInteger.widened(t, name, node: node) }
        let zeros = try QuantizedInteger.zeroPoints(zeroPoint, matching: t.dtype, "the zero point of \(name)", node: node)
        let perAxis = zeros.count > 1 && zeroPoint.rank == 1
        let layout = try QuantizationLayout(data: t.shape, parameter: perAxis ? zeroPoint.shape : [1], axis: perAxis ? axis : 0,
                                            blockSize: 0, name: "the zero point of \(name)", node: node)
        return try QuantizedInteger.widened(t, minus: zeros, layout: layout, name, node: node)
    }
}
