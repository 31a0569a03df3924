/// How the values of a picture map onto its colour map's range.
public enum ColorScale: Sendable, Hashable {
    /// Each tile from its own smallest to its largest finite value; the colour bar is labelled
    /// "per-channel min → max". Pictures with one map treat this as `.global`.
    case perTile
    /// One scale from the smallest to the largest finite value of all the data.
    case global
    /// One scale with the given limits, in data units.
    case fixed(vmin: Double, vmax: Double)
    /// Centred on 0: `−m … m`, with `m` given or, when nil, the largest finite |value| of the data.
    case symmetric(limit: Double? = nil)
}
