import StrataCore

extension ReshapeKernel: DifferentiableKernel {
    func savedForBackward(wanted: [Bool]) -> SavedValues { .none }

    /// The elements are only relabelled: the gradient is the output's, in the input's shape.
    func backward(_ step: BackwardStep, context: ExecutionContext) throws -> [Tensor?] {
        [step.wants(0) ? step.gradient.reshaped(step.shape(0)) : nil] + [Tensor?](repeating: nil, count: max(0, step.inputShapes.count - 1))
    }
}
