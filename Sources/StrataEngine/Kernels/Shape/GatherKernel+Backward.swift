import StrataCore

extension GatherKernel: DifferentiableKernel {
    func savedForBackward(wanted: [Bool]) -> SavedValues { .inputs(1) }

    /// Each gathered row's gradient is added to the row it was read from (repeated indices add up).
    func backward(_ step: BackwardStep, context: ExecutionContext) throws -> [Tensor?] {
        guard step.wants(0) else { return [nil, nil] }
        let shape = step.shape(0), g = step.gradient
        let a = try ShapeAlgebra.normalizeAxis(axis, rank: shape.count, node: node)
        let indices = try IndexList.resolve(step.input(1), size: shape[a], node: node)
        let outer = shape[..<a].reduce(1, *), inner = shape[(a + 1)...].reduce(1, *), dim = shape[a]
        let dx = try GradientMath.zeros(shape)
        let (pg, pd) = (g.pointer(as: Float.self), dx.pointer(as: Float.self))
        let n = indices.count
        for o in 0..<outer {
            for j in 0..<n {
                let src = pg + (o * n + j) * inner, dst = pd + (o * dim + indices[j]) * inner
                for i in 0..<inner { dst[i] += src[i] }
            }
        }
        return [dx, nil]
    }
}
