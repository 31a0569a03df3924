import StrataCore

extension PadKernel: DifferentiableKernel {
    func savedForBackward(wanted: [Bool]) -> SavedValues { SavedValues(inputs: [1, 3]) }

    /// Every output element adds its gradient to the input element it copied (none for the fill
    /// value), so edge and reflect padding accumulate at the borders.
    func backward(_ step: BackwardStep, context: ExecutionContext) throws -> [Tensor?] {
        var result = [Tensor?](repeating: nil, count: step.inputShapes.count)
        guard step.wants(0) else { return result }
        if step.wants(2) { throw node.error("the gradient with respect to the pad value is not supported", kind: .unsupported) }
        let shape = step.shape(0)
        let args = KernelInputs(step.inputs, node: node)
        guard let pads = try attributePads ?? args.ints(1, "pads") else { throw node.error("pads input is missing") }
        let axes = node.opset >= 18 ? try args.ints(3, "axes") : nil
        let amounts = try ShapeTypeRules.padAmounts(pads, axes: axes, rank: shape.count, node: node)
        let maps = amounts.enumerated().map { d, p in
            (0..<(shape[d] + p.before + p.after)).map { j in source(j - p.before, size: shape[d]) }
        }
        result[0] = try GradientMath.scatter(step.gradient, maps: maps, into: shape)
        return result
    }
}
