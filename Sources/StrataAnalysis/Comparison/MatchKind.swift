/// How a layer of the reference model was paired with an activation of the other model.
public enum MatchKind: String, Sendable, CaseIterable {
    /// Through a layer map: the one a Strata conversion writes, or one the user gave.
    case map
    /// By name: a whole name, a path component, or a tensor name, after converter suffixes are removed.
    case name
    /// By values: the same element count, agreeing within tolerance in some layout.
    case value
    /// The closest activation (highest cosine similarity) of the right size and graph position, for
    /// a layer without an agreeing counterpart.
    case near
}
