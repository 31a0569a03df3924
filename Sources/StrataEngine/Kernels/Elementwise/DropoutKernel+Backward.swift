import StrataCore

extension DropoutKernel: DifferentiableKernel {
    func savedForBackward(wanted: [Bool]) -> SavedValues { .none }

    /// Inference-mode Dropout passes its input through; the mask carries no gradient.
    func backward(_ step: BackwardStep, context: ExecutionContext) throws -> [Tensor?] {
        [step.wants(0) ? step.gradients[0] : nil] + [Tensor?](repeating: nil, count: max(0, step.inputs.count - 1))
    }
}
