import StrataCore

extension PReluKernel: DifferentiableKernel {
    func savedForBackward(wanted: [Bool]) -> SavedValues { SavedValues(inputs: [0, 1]) }

    /// `dx = x > 0 ? g : slope·g`, `dslope = Σ (x > 0 ? 0 : x·g)` over the broadcast axes (PyTorch's `prelu`).
    func backward(_ step: BackwardStep, context: ExecutionContext) throws -> [Tensor?] {
        let x = step.input(0), g = step.gradient
        var slope = step.input(1)
        try GradientMath.requireFloat32([x, slope], step.node)
        let slopeShape = slope.shape
        if slope.rank == 1, x.rank > 2, slope.count == x.shape[1], slope.count != x.shape[x.rank - 1], slope.count != 1 {
            slope = slope.reshaped([slope.count] + [Int](repeating: 1, count: x.rank - 2))
        }
        var result: [Tensor?] = [nil, nil]
        if step.wants(0) {
            let full = slope.shape == x.shape ? slope : try GradientMath.apply(.add, slope, GradientMath.zeros(x.shape), context: context)
            result[0] = try GradientMath.map(g, x, full, context: context) { v, u, s in u > 0 ? v : v * s }
        }
        if step.wants(1) {
            let part = try GradientMath.map(g, x, context: context) { v, u in u > 0 ? 0 : v * u }
            result[1] = try GradientMath.sum(part, toShape: slope.shape).reshaped(slopeShape)
        }
        return result
    }
}
