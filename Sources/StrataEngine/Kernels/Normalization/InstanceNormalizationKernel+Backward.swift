import StrataCore

extension InstanceNormalizationKernel: DifferentiableKernel {
    func savedForBackward(wanted: [Bool]) -> SavedValues { SavedValues(inputs: [0, 1]) }

    /// Each `(n, c)` plane is one row of `NormalizedRowsBackward`.
    func backward(_ step: BackwardStep, context: ExecutionContext) throws -> [Tensor?] {
        let x = step.input(0), scale = step.input(1)
        try GradientMath.requireFloat32([x], node)
        guard x.rank >= 2, scale.count == x.shape[1] else { throw node.error("scale must have one value per channel", kind: .invalidInput) }
        let channels = x.shape[1], size = x.shape[2...].reduce(1, *)
        let rows = NormalizedRowsBackward(rows: x.shape[0] * channels, columns: size, epsilon: epsilon) { row, _ in row % channels }
        let parameters = step.wants(1) || step.wants(2)
        let (dx, dGamma, dBeta) = try rows.run(x: x, g: step.gradient, gamma: (0..<channels).map { scale.doubleValue(at: $0) },
                                               parameters: parameters)
        var result = [Tensor?](repeating: nil, count: step.inputShapes.count)
        if step.wants(0) { result[0] = dx }
        if step.wants(1) { result[1] = Tensor(dGamma.map(Float.init), shape: step.shape(1)) }
        if step.wants(2) { result[2] = Tensor(dBeta.map(Float.init), shape: step.shape(2)) }
        return result
    }
}
