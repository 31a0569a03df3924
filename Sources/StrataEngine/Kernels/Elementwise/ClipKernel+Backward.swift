import StrataCore

extension ClipKernel: DifferentiableKernel {
    func savedForBackward(wanted: [Bool]) -> SavedValues {
        usesInputs ? SavedValues(inputs: [0, 1, 2]) : .inputs(0)
    }

    /// The gradient passes where `low ≤ x ≤ high` (PyTorch's `clamp`); the bounds get none.
    func backward(_ step: BackwardStep, context: ExecutionContext) throws -> [Tensor?] {
        guard step.wants(0) else { return [nil] }
        let x = step.input(0)
        var low = attributeLow ?? -.infinity, high = attributeHigh ?? .infinity
        if usesInputs {
            if step.inputs.count > 1, let t = step.inputs[1], t.count == 1 { low = Float(t.doubleValue(at: 0)) }
            if step.inputs.count > 2, let t = step.inputs[2], t.count == 1 { high = Float(t.doubleValue(at: 0)) }
        }
        try GradientMath.requireFloat32([x], step.node)
        let (lo, hi) = (low, high)
        return [try GradientMath.map(step.gradient, x, context: context) { g, v in v >= lo && v <= hi ? g : 0 }]
            + [Tensor?](repeating: nil, count: max(0, step.inputs.count - 1))
    }
}
