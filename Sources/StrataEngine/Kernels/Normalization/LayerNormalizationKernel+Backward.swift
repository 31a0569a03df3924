import StrataCore

extension LayerNormalizationKernel: DifferentiableKernel {
    func savedForBackward(wanted: [Bool]) -> SavedValues { SavedValues(inputs: [0, 1]) }

    /// Each row of X (the axes before `axis`) is one row of `NormalizedRowsBackward`, with one γ per
    /// column. The Mean and InvStdDev outputs carry no gradient here.
    func backward(_ step: BackwardStep, context: ExecutionContext) throws -> [Tensor?] {
        if step.gradients.dropFirst().contains(where: { $0 != nil }) {
            throw node.error("gradients through LayerNormalization's Mean and InvStdDev outputs are not supported", kind: .unsupported)
        }
        let x = step.input(0), scale = step.input(1)
        try GradientMath.requireFloat32([x], node)
        let a = try AxisRules.normalize(axis, rank: x.rank, node: node)
        let split = AxisSplit(x.shape, axes: a..<x.rank)
        let gamma = try Self.columns(scale, name: "Scale", x: x.shape, axis: a, node: node)
        let columns = split.axis
        let rows = NormalizedRowsBackward(rows: split.outer, columns: columns, epsilon: epsilon) { _, column in column }
        let (dx, dGamma, dBeta) = try rows.run(x: x, g: step.gradient, gamma: gamma, parameters: step.wants(1) || step.wants(2))
        var result = [Tensor?](repeating: nil, count: step.inputShapes.count)
        if step.wants(0) { result[0] = dx }
        func parameter(_ values: [Double], _ i: Int) throws -> Tensor {
            let shape = step.shape(i)
            if shape.elementCount == columns { return Tensor(values.map(Float.init), shape: shape) }
            if shape.elementCount == 1 { return Tensor([Float(values.reduce(0, +))], shape: shape) }
            throw node.error("the gradient with respect to a \(shape) parameter is not supported", kind: .unsupported)
        }
        if step.wants(1) { result[1] = try parameter(dGamma, 1) }
        if step.wants(2) { result[2] = try parameter(dBeta, 2) }
        return result
    }
}
