/// One matched pair: indices into the reference and the other activation arrays.
public struct LayerMatch: Sendable, Equatable {
    public let reference: Int
    public let other: Int
    public let kind: MatchKind
    /// How the other activation's values were laid out to compare them with the reference.
    public let transform: LayoutTransform
    /// The difference, or nil when the element counts differ (a layer-map pair only).
    public let difference: ActivationDifference?
    /// Whether the pair agrees under the matcher's tolerance.
    public let agrees: Bool
}
