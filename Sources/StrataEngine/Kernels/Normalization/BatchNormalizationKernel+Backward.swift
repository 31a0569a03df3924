import StrataCore

extension BatchNormalizationKernel: DifferentiableKernel {
    func savedForBackward(wanted: [Bool]) -> SavedValues { SavedValues(inputs: [1, 4]) }

    /// In inference the op is `y = x·a + b` per channel with `a = scale / √(var + ε)`, so
    /// `dx = g·a` (the same folding as the forward kernel). Gradients of the statistics and
    /// parameters, which are constants in inference graphs, are not computed.
    func backward(_ step: BackwardStep, context: ExecutionContext) throws -> [Tensor?] {
        if step.wanted.dropFirst().contains(true) {
            throw node.error("gradients with respect to BatchNormalization's scale, bias or statistics are not supported",
                             kind: .unsupported)
        }
        var result = [Tensor?](repeating: nil, count: step.inputShapes.count)
        guard step.wants(0) else { return result }
        let shape = step.shape(0)
        let (scale, variance) = (step.input(1), step.input(4))
        let channels = shape[1], spatial = shape[2...].reduce(1, *)
        let parameters = perFeature ? channels * spatial : channels
        guard scale.count == parameters, variance.count == parameters else {
            throw node.error("scale and var must have \(parameters) elements", kind: .invalidInput)
        }
        let a = (0..<parameters).map { scale.doubleValue(at: $0) / (variance.doubleValue(at: $0) + epsilon).squareRoot() }
        let split = AxisSplit(outer: shape[0], axis: parameters, inner: perFeature ? 1 : spatial)
        let dx = try Tensor(dtype: .float32, shape: shape)
        Self.affine(Float.self, step.gradient.reshaped(shape), split: split, a: a, b: [Double](repeating: 0, count: parameters),
                    into: dx, context: context)
        result[0] = dx
        return result
    }
}
