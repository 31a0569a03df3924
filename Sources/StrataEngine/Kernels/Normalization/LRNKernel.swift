import StrataCore

/// `LRN`, local response normalisation across channels of `X [N, C, D1, ...]`:
/// `y = x / (bias + alpha / size * sum of x² over the channel window)^beta`, the window running
/// from `c - floor((size - 1) / 2)` to `c + ceil((size - 1) / 2)`, clipped to the channels.
struct LRNKernel: Kernel {
    let node: Node
    let size: Int
    let alpha: Double
    let beta: Double
    let bias: Double

    init(_ ctx: KernelBuildContext) throws {
        node = ctx.node
        let attributes = try node.typed(LRNAttributes.self)
        size = attributes.size
        (alpha, beta, bias) = (Double(attributes.alpha), Double(attributes.beta), Double(attributes.bias))
    }

    func run(_ inputs: [Tensor?], context: ExecutionContext) throws -> [Tensor] {
        guard let x = inputs.first ?? nil else { throw node.error("input is missing") }
        guard x.rank >= 2 else { throw node.error("input must have rank 2 or more, got \(x.shape)", kind: .invalidInput) }
        guard let computeType = NumericStaging.computeType(for: x.dtype, integers: false) else {
            throw NumericStaging.unsupported(x.dtype, node: node, supported: "floating point")
        }
        let staged = try NumericStaging.convert(x, to: computeType)
        let y = try Tensor(dtype: computeType, shape: x.shape)
        let split = AxisSplit(x.shape, axis: 1)
        if computeType == .float64 {
            normalize(Double.self, staged, split: split, into: y, context: context)
        } else {
            normalize(Float.self, staged, split: split, into: y, context: context)
        }
        return [try NumericStaging.convert(y, to: x.dtype)]
    }

    private func normalize<T: ReduceFloat>(_ type: T.Type, _ x: Tensor, split: AxisSplit, into y: Tensor, context: ExecutionContext) {
        let (channels, inner) = (split.axis, split.inner)
        let before = (size - 1) / 2, after = size - 1 - before
        let (scale, power, shift) = (T(alpha / Double(size)), T(beta), T(bias))
        context.parallelFor(split.outer * channels, minChunk: Swift.max(1, 4096 / Swift.max(1, inner * size))) { range in
            let xp = x.pointer(as: T.self), yp = y.pointer(as: T.self)
            var sum = [T](repeating: 0, count: inner)
            for plane in range {
                let n = plane / channels, c = plane % channels
                for i in 0..<inner { sum[i] = 0 }
                for k in Swift.max(0, c - before)...Swift.min(channels - 1, c + after) {
                    let src = xp + (n * channels + k) * inner
                    for i in 0..<inner { sum[i] += src[i] * src[i] }
                }
                let src = xp + plane * inner, dst = yp + plane * inner
                for i in 0..<inner { dst[i] = src[i] / (shift + scale * sum[i]).power(power) }
            }
        }
    }
}
