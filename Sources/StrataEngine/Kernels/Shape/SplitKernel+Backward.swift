import StrataCore

extension SplitKernel: DifferentiableKernel {
    func savedForBackward(wanted: [Bool]) -> SavedValues { .inputs(1) }

    /// The output gradients joined along the axis (zeros for outputs the score does not read).
    func backward(_ step: BackwardStep, context: ExecutionContext) throws -> [Tensor?] {
        var result = [Tensor?](repeating: nil, count: step.inputShapes.count)
        guard step.wants(0) else { return result }
        let shape = step.shape(0)
        let a = try ShapeAlgebra.normalizeAxis(axis, rank: shape.count, node: node)
        let dx = try GradientMath.zeros(shape)
        let strides = StridedCopy.contiguousStrides(shape)
        var start = 0
        for (i, name) in node.outputs.enumerated() where !name.isEmpty {
            guard i < step.gradients.count else { break }
            let size = try bandSize(i, step: step, dim: shape[a])
            if let g = step.gradients[i] {
                StridedCopy(shape: g.shape, sourceStrides: StridedCopy.contiguousStrides(g.shape), destinationStrides: strides,
                            destinationOffset: start * strides[a])
                    .run(from: g.rawPointer, to: dx.rawPointer, elementSize: 4, context: context)
            }
            start += size
        }
        result[0] = dx
        return result
    }

    private func bandSize(_ i: Int, step: BackwardStep, dim: Int) throws -> Int {
        let given = try node.opset < 13 ? attributeSplit : KernelInputs(step.inputs, node: node).ints(1, "split")
        let sizes = try ShapeTypeRules.splitSizes(dim: dim, split: given, numOutputs: numOutputs,
                                                  outputs: node.outputs.count, node: node)
        return sizes[i]
    }
}
