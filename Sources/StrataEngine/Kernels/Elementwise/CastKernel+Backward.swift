import StrataCore

extension CastKernel: DifferentiableKernel {
    func savedForBackward(wanted: [Bool]) -> SavedValues { .none }

    /// Between float32 values a Cast is the identity; the engine rejects other dtypes on the path.
    func backward(_ step: BackwardStep, context: ExecutionContext) throws -> [Tensor?] {
        [step.wants(0) ? step.gradient : nil] + [Tensor?](repeating: nil, count: max(0, step.inputs.count - 1))
    }
}
