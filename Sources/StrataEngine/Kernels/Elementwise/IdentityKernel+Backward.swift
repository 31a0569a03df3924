import StrataCore

extension IdentityKernel: DifferentiableKernel {
    func savedForBackward(wanted: [Bool]) -> SavedValues { .none }

    func backward(_ step: BackwardStep, context: ExecutionContext) throws -> [Tensor?] {
        [step.wants(0) ? step.gradient : nil]
    }
}
