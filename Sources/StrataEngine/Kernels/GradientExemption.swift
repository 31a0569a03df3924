/// Why an op with a kernel has no backward rule. Each family lists its exempt ops beside its
/// kernels (`KernelRegistry+<Family>.swift`); `RegistryCompletenessTests` checks that every op
/// either has a rule or is listed.
public struct GradientExemption: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        /// The outputs carry no gradient (integer or boolean values, or piecewise constant): the
        /// backward pass stops there, as PyTorch's autograd does.
        case zero
        /// Differentiable in principle, but Strata has no rule yet: a gradient needed through it is an error.
        case unsupported
    }

    public let kind: Kind
    public let reason: String

    public static func zero(_ reason: String) -> GradientExemption { GradientExemption(kind: .zero, reason: reason) }
    public static func unsupported(_ reason: String) -> GradientExemption { GradientExemption(kind: .unsupported, reason: reason) }
}
