/// Which evidence the matcher may use.
public enum MatchStrategy: String, Sendable, CaseIterable {
    /// The layer map, then names, then values, then near matches.
    case auto
    /// Names only.
    case names
    /// Values only (then near matches).
    case values
    /// The layer map only.
    case layerMap = "layer-map"
}
