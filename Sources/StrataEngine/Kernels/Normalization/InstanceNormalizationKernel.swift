import StrataCore

/// `InstanceNormalization`: each `(n, c)` plane of `X [N, C, D1, ...]` normalised by its own mean
/// and (population) variance, then `* scale[c] + B[c]`.
struct InstanceNormalizationKernel: Kernel {
    let node: Node
    let epsilon: Double

    init(_ ctx: KernelBuildContext) throws {
        node = ctx.node
        epsilon = Double(try node.typed(InstanceNormalizationAttributes.self).epsilon)
    }

    func run(_ inputs: [Tensor?], context: ExecutionContext) throws -> [Tensor] {
        guard inputs.count >= 3, let x = inputs[0], let scale = inputs[1], let bias = inputs[2] else {
            throw node.error("inputs 'input', 'scale' and 'B' are required")
        }
        guard x.rank >= 2 else { throw node.error("input must have rank 2 or more, got \(x.shape)", kind: .invalidInput) }
        let channels = x.shape[1]
        guard scale.count == channels, bias.count == channels else {
            throw node.error("scale and B must have \(channels) elements, got \(scale.count) and \(bias.count)", kind: .invalidInput)
        }
        guard let computeType = NumericStaging.computeType(for: x.dtype, integers: false) else {
            throw NumericStaging.unsupported(x.dtype, node: node, supported: "floating point")
        }
        let split = AxisSplit(outer: x.shape[0], axis: channels, inner: x.shape[2...].reduce(1, *))
        let staged = try NumericStaging.convert(x, to: computeType)
        let y = try Tensor(dtype: computeType, shape: x.shape)
        let gamma = (0..<channels).map { scale.doubleValue(at: $0) }
        let beta = (0..<channels).map { bias.doubleValue(at: $0) }
        if computeType == .float64 {
            normalize(Double.self, staged, split: split, gamma: gamma, beta: beta, into: y, context: context)
        } else {
            normalize(Float.self, staged, split: split, gamma: gamma, beta: beta, into: y, context: context)
        }
        return [try NumericStaging.convert(y, to: x.dtype)]
    }

    private func normalize<T: ReduceFloat>(
        _ type: T.Type, _ x: Tensor, split: AxisSplit, gamma: [Double], beta: [Double], into y: Tensor,
        context: ExecutionContext
    ) {
        let (channels, size, epsilon) = (split.axis, split.inner, self.epsilon)
        context.parallelFor(split.outer * channels, minChunk: Swift.max(1, 4096 / Swift.max(size, 1))) { range in
            let xp = x.pointer(as: T.self), yp = y.pointer(as: T.self)
            for plane in range {
                let c = plane % channels
                let src = xp + plane * size, dst = yp + plane * size
                let (mean, variance) = PlaneStatistics.meanAndVariance(src, count: size)
                let a = gamma[c] / (variance + epsilon).squareRoot()
                let scale = T(a), shift = T(beta[c] - mean * a)
                for i in 0..<size { dst[i] = src[i] * scale + shift }
            }
        }
    }
}
