/// Which element of the scored output a gradient run differentiates, per batch row.
///
/// Class names are not the engine's business: a caller holding a class list resolves a name to
/// its index first (`TargetOptions` in StrataCommands does).
public enum GradientTarget: Sendable, Equatable {
    /// Each row's highest-scoring element (the same for logits and probabilities).
    case top
    /// The element at this flat index within each row.
    case index(Int)
}
