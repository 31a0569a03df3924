import StrataCore

extension LayerNormalizationKernel: DifferentiableKernel {
    func savedForBackward(wanted: [Bool]) -> SavedValues { SavedValues(inputs: [0, 1]) }

    /// Per row, with `x̂ = (x − μ)·r`, `r = 1/√(σ² + ε)` and `h = g·γ`:
    /// `dx = r·(h − mean(h) − x̂·mean(h·x̂))`; `dScale = Σ g·x̂` and `dB = Σ g` over the rows. The
    /// statistics are recomputed from X in float64, as the forward kernel computes them. The Mean and
    /// InvStdDev outputs carry no gradient here.
    func backward(_ step: BackwardStep, context: ExecutionContext) throws -> [Tensor?] {
        if step.gradients.dropFirst().contains(where: { $0 != nil }) {
            throw node.error("gradients through LayerNormalization's Mean and InvStdDev outputs are not supported", kind: .unsupported)
        }
        let x = step.input(0), scale = step.input(1), g = step.gradient
        try GradientMath.requireFloat32([x], node)
        let a = try AxisRules.normalize(axis, rank: x.rank, node: node)
        let split = AxisSplit(x.shape, axes: a..<x.rank)
        let gamma = try Self.columns(scale, name: "Scale", x: x.shape, axis: a, node: node)
        let (rows, columns) = (split.outer, split.axis)
        let dx = try Tensor(dtype: .float32, shape: x.shape)
        let wantsParameters = step.wants(1) || step.wants(2)
        var dGamma = [Double](repeating: 0, count: wantsParameters ? columns : 0), dBeta = dGamma
        let (px, pg, pd) = (x.pointer(as: Float.self), g.pointer(as: Float.self), dx.pointer(as: Float.self))
        var normalized = [Double](repeating: 0, count: columns)
        for row in 0..<rows {
            let xr = px + row * columns, gr = pg + row * columns, dr = pd + row * columns
            var mean = 0.0
            for j in 0..<columns { mean += Double(xr[j]) }
            mean /= Double(max(columns, 1))
            var variance = 0.0
            for j in 0..<columns { variance += (Double(xr[j]) - mean) * (Double(xr[j]) - mean) }
            variance /= Double(max(columns, 1))
            let r = 1 / (variance + epsilon).squareRoot()
            var meanH = 0.0, meanHX = 0.0
            for j in 0..<columns {
                normalized[j] = (Double(xr[j]) - mean) * r
                let h = Double(gr[j]) * gamma[j]
                meanH += h
                meanHX += h * normalized[j]
            }
            meanH /= Double(max(columns, 1))
            meanHX /= Double(max(columns, 1))
            for j in 0..<columns {
                dr[j] = Float(r * (Double(gr[j]) * gamma[j] - meanH - normalized[j] * meanHX))
                if wantsParameters {
                    dGamma[j] += Double(gr[j]) * normalized[j]
                    dBeta[j] += Double(gr[j])
                }
            }
        }
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
