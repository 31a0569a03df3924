import StrataCore

/// `CumSum` and `CumProd`: running sums (products) along the axis given as input 1 (a scalar or
/// one-element integer tensor); `exclusive` leaves each element out of its own result (which
/// starts from 0, or 1 for products), `reverse` runs from the end.
struct CumSumKernel: Kernel {
    let node: Node
    let product: Bool
    let exclusive: Bool
    let reverse: Bool

    init(_ ctx: KernelBuildContext) throws {
        node = ctx.node
        product = node.opType == "CumProd"
        let attributes = try node.typed(CumulativeAttributes.self)
        exclusive = attributes.exclusive
        reverse = attributes.reverse
    }

    func run(_ inputs: [Tensor?], context: ExecutionContext) throws -> [Tensor] {
        guard let x = inputs.first ?? nil else { throw node.error("input 'x' is missing") }
        guard inputs.count > 1, let axisTensor = inputs[1] else { throw node.error("input 'axis' is missing") }
        guard axisTensor.dtype.isInteger, axisTensor.count == 1 else {
            throw node.error("input 'axis' must be one integer, got \(axisTensor.dtype.rawValue)\(axisTensor.shape)")
        }
        let a = try AxisRules.normalize(axisTensor.ints()[0], rank: x.rank, node: node)
        let split = AxisSplit(x.shape, axis: a)
        guard let computeType = NumericStaging.computeType(for: x.dtype, integers: true) else {
            throw NumericStaging.unsupported(x.dtype, node: node, supported: "numeric")
        }
        let staged = try NumericStaging.convert(x, to: computeType)
        let y = try Tensor(dtype: computeType, shape: x.shape)
        switch computeType {
        case .float32: accumulate(Float.self, staged, split: split, into: y, context: context)
        case .float64: accumulate(Double.self, staged, split: split, into: y, context: context)
        default: accumulate(Int64.self, staged, split: split, into: y, context: context)
        }
        return [try NumericStaging.convert(y, to: x.dtype)]
    }

    private func accumulate<T: ReduceScalar>(_ type: T.Type, _ x: Tensor, split: AxisSplit, into y: Tensor, context: ExecutionContext) {
        let (n, inner) = (split.axis, split.inner)
        let (exclusive, reverse, product) = (self.exclusive, self.reverse, self.product)
        let start: T = product ? .one : .zero
        guard split.count > 0 else { return }
        context.parallelFor(split.outer, minChunk: Swift.max(1, 16384 / Swift.max(1, n * inner))) { range in
            let xp = x.pointer(as: T.self), yp = y.pointer(as: T.self)
            var sum = [T](repeating: start, count: inner)
            for o in range {
                for i in 0..<inner { sum[i] = start }
                for step in 0..<n {
                    let r = reverse ? n - 1 - step : step
                    let src = xp + (o * n + r) * inner, dst = yp + (o * n + r) * inner
                    if exclusive {
                        for i in 0..<inner { dst[i] = sum[i] }
                    }
                    if product {
                        for i in 0..<inner { sum[i] = T.times(sum[i], src[i]) }
                    } else {
                        for i in 0..<inner { sum[i] = T.plus(sum[i], src[i]) }
                    }
                    if !exclusive {
                        for i in 0..<inner { dst[i] = sum[i] }
                    }
                }
            }
        }
    }
}
