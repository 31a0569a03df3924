import StrataCore

/// `BatchNormalization` in inference mode: `y = (x - mean) / sqrt(var + epsilon) * scale + B`
/// with the given running statistics, per channel (axis 1), or per feature for the old
/// `spatial = 0` form. `momentum` and `is_test` change nothing in inference; training mode
/// (`training_mode = 1`, or before opset 14 any output after Y) is not supported.
struct BatchNormalizationKernel: Kernel {
    let node: Node
    let epsilon: Double
    let perFeature: Bool

    init(_ ctx: KernelBuildContext) throws {
        node = ctx.node
        let attributes = try node.typed(BatchNormalizationAttributes.self)
        epsilon = Double(attributes.epsilon)
        perFeature = node.opset < 9 && !attributes.spatial
        if node.opset >= 14 {
            if attributes.trainingMode {
                throw node.attributeError("training_mode", "training mode is not supported", kind: .unsupported)
            }
        } else if node.outputs.dropFirst().contains(where: { !$0.isEmpty }) {
            throw node.error("the outputs after Y exist only in training mode, which is not supported", kind: .unsupported)
        }
    }

    func run(_ inputs: [Tensor?], context: ExecutionContext) throws -> [Tensor] {
        let names = ["X", "scale", "B", "mean", "var"]
        var given: [Tensor] = []
        for (i, name) in names.enumerated() {
            guard i < inputs.count, let t = inputs[i] else { throw node.error("input '\(name)' is missing") }
            given.append(t)
        }
        let x = given[0]
        guard x.rank >= 2 else { throw node.error("input X must have rank 2 or more, got \(x.shape)", kind: .invalidInput) }
        let channels = x.shape[1], spatial = x.shape[2...].reduce(1, *)
        let parameters = perFeature ? channels * spatial : channels
        for (i, t) in given.enumerated().dropFirst() {
            guard t.count == parameters else {
                throw node.error("input '\(names[i])' has \(t.count) elements, expected \(parameters)", kind: .invalidInput)
            }
            guard t.dtype.isFloatingPoint else { throw NumericStaging.unsupported(t.dtype, node: node, supported: "floating point") }
        }
        guard let computeType = NumericStaging.computeType(for: x.dtype, integers: false) else {
            throw NumericStaging.unsupported(x.dtype, node: node, supported: "floating point")
        }
        // Folded to y = x * a + b per parameter.
        let (scale, bias, mean, variance) = (given[1], given[2], given[3], given[4])
        var a = [Double](repeating: 0, count: parameters), b = a
        for p in 0..<parameters {
            a[p] = scale.doubleValue(at: p) / (variance.doubleValue(at: p) + epsilon).squareRoot()
            b[p] = bias.doubleValue(at: p) - mean.doubleValue(at: p) * a[p]
        }
        let split = AxisSplit(outer: x.shape[0], axis: parameters, inner: perFeature ? 1 : spatial)
        let staged = try NumericStaging.convert(x, to: computeType)
        let y = try Tensor(dtype: computeType, shape: x.shape)
        if computeType == .float64 {
            Self.affine(Double.self, staged, split: split, a: a, b: b, into: y, context: context)
        } else {
            Self.affine(Float.self, staged, split: split, a: a, b: b, into: y, context: context)
        }
        return [try NumericStaging.convert(y, to: x.dtype)]
    }

    /// `y[o, p, i] = x[o, p, i] * a[p] + b[p]`.
    static func affine<T: ReduceFloat>(
        _ type: T.Type, _ x: Tensor, split: AxisSplit, a: [Double], b: [Double], into y: Tensor, context: ExecutionContext
    ) {
        let (n, inner) = (split.axis, split.inner)
        let a = a.map { T($0) }, b = b.map { T($0) }
        context.parallelFor(split.outer * n, minChunk: Swift.max(1, 16384 / Swift.max(inner, 1))) { range in
            let xp = x.pointer(as: T.self), yp = y.pointer(as: T.self)
            for row in range {
                let p = row % n
                let (scale, shift) = (a[p], b[p])
                let src = xp + row * inner, dst = yp + row * inner
                for i in 0..<inner { dst[i] = src[i] * scale + shift }
            }
        }
    }
}
