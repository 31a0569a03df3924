import StrataCore

extension GroupNormalizationKernel: DifferentiableKernel {
    func savedForBackward(wanted: [Bool]) -> SavedValues { SavedValues(inputs: [0, 1]) }

    /// The planes of one group of one image are one row of `NormalizedRowsBackward`; a scale or
    /// bias with one value per group gets the sums of its channels.
    func backward(_ step: BackwardStep, context: ExecutionContext) throws -> [Tensor?] {
        let x = step.input(0), scale = step.input(1)
        try GradientMath.requireFloat32([x], node)
        guard x.rank >= 2, x.shape[1] % groups == 0 else { throw node.error("channels must divide into \(groups) groups", kind: .invalidInput) }
        let channels = x.shape[1], perGroup = channels / groups, size = x.shape[2...].reduce(1, *)
        let gamma: [Double]
        if scale.count == channels {
            gamma = (0..<channels).map { scale.doubleValue(at: $0) }
        } else if scale.count == groups {
            gamma = (0..<channels).map { scale.doubleValue(at: $0 / perGroup) }
        } else {
            throw node.error("scale must have \(channels) (or \(groups)) elements, got \(scale.count)", kind: .invalidInput)
        }
        let groups = self.groups
        let rows = NormalizedRowsBackward(rows: x.shape[0] * groups, columns: perGroup * size, epsilon: epsilon) { row, column in
            (row % groups) * perGroup + column / size
        }
        let (dx, dGamma, dBeta) = try rows.run(x: x, g: step.gradient, gamma: gamma, parameters: step.wants(1) || step.wants(2))
        func parameter(_ perChannel: [Double], _ i: Int) -> Tensor {
            let shape = step.shape(i)
            if shape.elementCount == channels { return Tensor(perChannel.map(Float.init), shape: shape) }
            return Tensor((0..<groups).map { g in Float(perChannel[(g * perGroup)..<((g + 1) * perGroup)].reduce(0, +)) }, shape: shape)
        }
        var result = [Tensor?](repeating: nil, count: step.inputShapes.count)
        if step.wants(0) { result[0] = dx }
        if step.wants(1) { result[1] = parameter(dGamma, 1) }
        if step.wants(2) { result[2] = parameter(dBeta, 2) }
        return result
    }
}
