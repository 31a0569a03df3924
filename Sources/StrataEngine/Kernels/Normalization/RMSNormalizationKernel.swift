import StrataCore

/// `RMSNormalization`: X seen as rows of the axes before `axis` and columns of the axes from it
/// on; each row divided by `sqrt(mean(x²) + epsilon)`, then `* scale` broadcast over the columns.
struct RMSNormalizationKernel: Kernel {
    let node: Node
    let axis: Int
    let epsilon: Double

    init(_ ctx: KernelBuildContext) throws {
        node = ctx.node
        let attributes = try node.typed(LayerNormalizationAttributes.self)
        (axis, epsilon) = (attributes.axis, Double(attributes.epsilon))
    }

    func run(_ inputs: [Tensor?], context: ExecutionContext) throws -> [Tensor] {
        guard inputs.count >= 2, let x = inputs[0], let scale = inputs[1] else {
            throw node.error("inputs 'X' and 'scale' are required")
        }
        let a = try AxisRules.normalize(axis, rank: x.rank, node: node)
        let gamma = try LayerNormalizationKernel.columns(scale, name: "scale", x: x.shape, axis: a, node: node)
        guard let computeType = NumericStaging.computeType(for: x.dtype, integers: false) else {
            throw NumericStaging.unsupported(x.dtype, node: node, supported: "floating point")
        }
        let staged = try NumericStaging.convert(x, to: computeType)
        let y = try Tensor(dtype: computeType, shape: x.shape)
        let split = AxisSplit(x.shape, axes: a..<x.rank)
        if computeType == .float64 {
            normalize(Double.self, staged, split: split, gamma: gamma, into: y, context: context)
        } else {
            normalize(Float.self, staged, split: split, gamma: gamma, into: y, context: context)
        }
        return [try NumericStaging.convert(y, to: x.dtype)]
    }

    private func normalize<T: ReduceFloat>(
        _ type: T.Type, _ x: Tensor, split: AxisSplit, gamma: [Double], into y: Tensor, context: ExecutionContext
    ) {
        let (width, epsilon) = (split.axis * split.inner, self.epsilon)
        let g = gamma.map { T($0) }
        context.parallelFor(split.outer, minChunk: Swift.max(1, 4096 / Swift.max(width, 1))) { range in
            let xp = x.pointer(as: T.self), yp = y.pointer(as: T.self)
            for row in range {
                let src = xp + row * width, dst = yp + row * width
                var squares = 0.0
                for i in 0..<width { squares += Double(src[i]) * Double(src[i]) }
                let inv = T(1 / (squares / Double(Swift.max(width, 1)) + epsilon).squareRoot())
                for i in 0..<width { dst[i] = src[i] * inv * g[i] }
            }
        }
    }
}
