import StrataCore

extension ExpandKernel: DifferentiableKernel {
    func savedForBackward(wanted: [Bool]) -> SavedValues { .none }

    /// The gradient summed over the axes the input was broadcast along.
    func backward(_ step: BackwardStep, context: ExecutionContext) throws -> [Tensor?] {
        [step.wants(0) ? try GradientMath.sum(step.gradient, toShape: step.shape(0)) : nil, nil]
    }
}
