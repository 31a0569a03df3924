import StrataCore

/// `LayerNormalization`: X seen as rows of the axes before `axis` and columns of the axes from
/// it on; each row normalised by its mean and (population) variance, then `* Scale + B` with
/// Scale and B broadcast over the columns. The optional Mean and InvStdDev outputs have the
/// `stash_type` dtype and X's shape with the columns' axes set to 1.
struct LayerNormalizationKernel: Kernel {
    let node: Node
    let axis: Int
    let epsilon: Double
    let stashType: DType

    init(_ ctx: KernelBuildContext) throws {
        node = ctx.node
        let attributes = try node.typed(LayerNormalizationAttributes.self)
        (axis, epsilon, stashType) = (attributes.axis, Double(attributes.epsilon), attributes.stashType)
    }

    func run(_ inputs: [Tensor?], context: ExecutionContext) throws -> [Tensor] {
        guard inputs.count >= 2, let x = inputs[0], let scale = inputs[1] else {
            throw node.error("inputs 'X' and 'Scale' are required")
        }
        let bias = inputs.count > 2 ? inputs[2] : nil
        let a = try AxisRules.normalize(axis, rank: x.rank, node: node)
        let split = AxisSplit(x.shape, axes: a..<x.rank)
        let gamma = try Self.columns(scale, name: "Scale", x: x.shape, axis: a, node: node)
        let beta = try bias.map { try Self.columns($0, name: "B", x: x.shape, axis: a, node: node) }
        guard let computeType = NumericStaging.computeType(for: x.dtype, integers: false) else {
            throw NumericStaging.unsupported(x.dtype, node: node, supported: "floating point")
        }
        let statShape = Array(x.shape[..<a]) + Array(repeating: 1, count: x.rank - a)
        let mean = try Tensor(dtype: .float64, shape: statShape)
        let invStd = try Tensor(dtype: .float64, shape: statShape)
        let staged = try NumericStaging.convert(x, to: computeType)
        let y = try Tensor(dtype: computeType, shape: x.shape)
        if computeType == .float64 {
            normalize(Double.self, staged, split: split, gamma: gamma, beta: beta, into: y, mean: mean, invStd: invStd, context: context)
        } else {
            normalize(Float.self, staged, split: split, gamma: gamma, beta: beta, into: y, mean: mean, invStd: invStd, context: context)
        }
        var outputs = [try NumericStaging.convert(y, to: x.dtype)]
        if node.outputs.count > 1 { outputs.append(try NumericStaging.convert(mean, to: stashType)) }
        if node.outputs.count > 2 { outputs.append(try NumericStaging.convert(invStd, to: stashType)) }
        return outputs
    }

    /// A Scale or B tensor broadcast to one value per column (the axes of X from `axis` on). It
    /// must broadcast to X and not vary across rows.
    static func columns(_ t: Tensor, name: String, x shape: [Int], axis: Int, node: Node) throws -> [Double] {
        let rank = shape.count
        guard t.rank <= rank else {
            throw node.error("input '\(name)' of shape \(t.shape) has a higher rank than X \(shape)", kind: .invalidInput)
        }
        let padded = Array(repeating: 1, count: rank - t.rank) + t.shape
        for d in 0..<rank where padded[d] != 1 && (padded[d] != shape[d] || d < axis) {
            throw node.error("input '\(name)' of shape \(t.shape) does not broadcast to the normalised axes of X \(shape)",
                             kind: .invalidInput)
        }
        let dims = Array(shape[axis...])
        var strides = Array(repeating: 0, count: dims.count)
        var step = 1
        for d in stride(from: rank - 1, through: axis, by: -1) {
            strides[d - axis] = padded[d] == 1 ? 0 : step
            step *= padded[d]
        }
        let count = dims.reduce(1, *)
        var out = [Double](repeating: 0, count: count)
        var index = Array(repeating: 0, count: dims.count)
        for c in 0..<count {
            var offset = 0
            for k in 0..<dims.count { offset += index[k] * strides[k] }
            out[c] = t.doubleValue(at: offset)
            var k = dims.count - 1
            while k >= 0 {
                index[k] += 1
                if index[k] < dims[k] { break }
                index[k] = 0
                k -= 1
            }
        }
        return out
    }

    private func normalize<T: ReduceFloat>(
        _ type: T.Type, _ x: Tensor, split: AxisSplit, gamma: [Double], beta: [Double]?, into y: Tensor,
        mean: Tensor, invStd: Tensor, context: ExecutionContext
    ) {
        let (width, epsilon) = (split.axis * split.inner, self.epsilon)
        let g = gamma.map { T($0) }, b = (beta ?? [Double](repeating: 0, count: width)).map { T($0) }
        context.parallelFor(split.outer, minChunk: Swift.max(1, 4096 / Swift.max(width, 1))) { range in
            let xp = x.pointer(as: T.self), yp = y.pointer(as: T.self)
            let mp = mean.pointer(as: Double.self), sp = invStd.pointer(as: Double.self)
            for row in range {
                let src = xp + row * width, dst = yp + row * width
                let (m, variance) = PlaneStatistics.meanAndVariance(src, count: width)
                let inv = 1 / (variance + epsilon).squareRoot()
                mp[row] = m
                sp[row] = inv
                let tm = T(m), ti = T(inv)
                for i in 0..<width { dst[i] = (src[i] - tm) * ti * g[i] + b[i] }
            }
        }
    }
}
