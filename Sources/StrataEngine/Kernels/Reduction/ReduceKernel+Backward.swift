import StrataCore

extension ReduceKernel: DifferentiableKernel {
    func savedForBackward(wanted: [Bool]) -> SavedValues {
        switch operation {
        case .max: return SavedValues(inputs: [0, 1], outputs: [0])
        default: return SavedValues(inputs: [1])
        }
    }

    /// Sum and mean spread the gradient over the reduced axes (divided by their size for the
    /// mean); max gives it to the elements equal to the maximum, split evenly on ties (as
    /// PyTorch's `amax` and TensorFlow's `reduce_max`).
    func backward(_ step: BackwardStep, context: ExecutionContext) throws -> [Tensor?] {
        var result = [Tensor?](repeating: nil, count: step.inputShapes.count)
        guard step.wants(0) else { return result }
        let shape = step.shape(0)
        var axesInput: [Int]?
        if attributes.axesFromInput, step.inputs.count > 1, let a = step.inputs[1] { axesInput = a.ints() }
        let axes = try ReductionAxes(attributes, node: node, rank: shape.count, axesInput: axesInput)
        var keeping = axes
        keeping.keepDims = true
        let keptShape = keeping.outputShape(shape, one: 1)
        let g = step.gradient.reshaped(keptShape)
        switch operation {
        case .sum:
            result[0] = try GradientMath.expand(g, to: shape, context: context)
        case .mean:
            let count = shape.elementCount / Swift.max(1, keptShape.elementCount)
            let scaled = try GradientMath.map(g, g, context: context) { v, _ in v / Float(count) }
            result[0] = try GradientMath.expand(scaled, to: shape, context: context)
        case .max:
            let x = step.input(0)
            try GradientMath.requireFloat32([x], node)
            let y = try GradientMath.expand(step.output(0).reshaped(keptShape), to: shape, context: context)
            let hits = try GradientMath.map(x, y, context: context) { v, m in v == m ? 1 : 0 }
            let ties = try GradientMath.expand(GradientMath.sum(hits, toShape: keptShape), to: shape, context: context)
            let spread = try GradientMath.expand(g, to: shape, context: context)
            result[0] = try GradientMath.map(spread, hits, ties, context: context) { v, h, c in h > 0 ? v / c : 0 }
        default:
            throw node.error("'\(node.opType)' has no backward rule", kind: .unsupported)
        }
        return result
    }
}
