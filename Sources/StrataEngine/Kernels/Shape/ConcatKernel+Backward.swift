import StrataCore

extension ConcatKernel: DifferentiableKernel {
    func savedForBackward(wanted: [Bool]) -> SavedValues { .none }

    /// Each input gets its band of the gradient along the axis.
    func backward(_ step: BackwardStep, context: ExecutionContext) throws -> [Tensor?] {
        let g = step.gradient
        let a = try ShapeAlgebra.normalizeAxis(axis, rank: g.rank, node: node)
        let strides = StridedCopy.contiguousStrides(g.shape)
        var start = 0
        var result: [Tensor?] = []
        for i in step.inputShapes.indices {
            let shape = step.shape(i)
            result.append(step.wants(i)
                ? try StridedCopy.gather(g, shape: shape, strides: strides, offset: start * strides[a], context: context) : nil)
            start += shape[a]
        }
        return result
    }
}
