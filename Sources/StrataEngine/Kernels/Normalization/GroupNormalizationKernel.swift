import StrataCore

/// `GroupNormalization`: the channels of `X [N, C, D1, ...]` split into `num_groups` equal groups;
/// each `(n, group)` block normalised by its own mean and (population) variance, then
/// `* scale + bias` per channel. Opset 18 documented one scale and bias per group; a scale and
/// bias with `num_groups` elements are read that way, ones with C elements per channel.
struct GroupNormalizationKernel: Kernel {
    let node: Node
    let groups: Int
    let epsilon: Double

    init(_ ctx: KernelBuildContext) throws {
        node = ctx.node
        let attributes = try node.typed(GroupNormalizationAttributes.self)
        groups = attributes.groups
        epsilon = Double(attributes.epsilon)
    }

    func run(_ inputs: [Tensor?], context: ExecutionContext) throws -> [Tensor] {
        guard inputs.count >= 3, let x = inputs[0], let scale = inputs[1], let bias = inputs[2] else {
            throw node.error("inputs 'X', 'scale' and 'bias' are required")
        }
        guard x.rank >= 2 else { throw node.error("input must have rank 2 or more, got \(x.shape)", kind: .invalidInput) }
        let channels = x.shape[1]
        guard channels % groups == 0 else {
            throw node.error("\(groups) groups do not divide \(channels) channels", kind: .invalidInput)
        }
        let perGroup = channels / groups
        func perChannel(_ t: Tensor, _ name: String) throws -> [Double] {
            if t.count == channels { return (0..<channels).map { t.doubleValue(at: $0) } }
            if t.count == groups { return (0..<channels).map { t.doubleValue(at: $0 / perGroup) } }
            throw node.error("input '\(name)' must have \(channels) (or \(groups)) elements, got \(t.count)", kind: .invalidInput)
        }
        let gamma = try perChannel(scale, "scale"), beta = try perChannel(bias, "bias")
        guard let computeType = NumericStaging.computeType(for: x.dtype, integers: false) else {
            throw NumericStaging.unsupported(x.dtype, node: node, supported: "floating point")
        }
        let split = AxisSplit(outer: x.shape[0] * groups, axis: perGroup, inner: x.shape[2...].reduce(1, *))
        let staged = try NumericStaging.convert(x, to: computeType)
        let y = try Tensor(dtype: computeType, shape: x.shape)
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
        let (perGroup, size, groups, epsilon) = (split.axis, split.inner, self.groups, self.epsilon)
        let block = perGroup * size
        context.parallelFor(split.outer, minChunk: Swift.max(1, 4096 / Swift.max(block, 1))) { range in
            let xp = x.pointer(as: T.self), yp = y.pointer(as: T.self)
            for b in range {
                let (mean, variance) = PlaneStatistics.meanAndVariance(xp + b * block, count: block)
                let inv = 1 / (variance + epsilon).squareRoot()
                for k in 0..<perGroup {
                    let c = (b % groups) * perGroup + k
                    let a = gamma[c] * inv
                    let scale = T(a), shift = T(beta[c] - mean * a)
                    let src = xp + b * block + k * size, dst = yp + b * block + k * size
                    for i in 0..<size { dst[i] = src[i] * scale + shift }
                }
            }
        }
    }
}
