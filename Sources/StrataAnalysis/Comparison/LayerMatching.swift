/// The result of matching two models' activations.
public struct LayerMatching: Sendable {
    /// Matched pairs in the reference's graph order.
    public let matches: [LayerMatch]
    /// Unmatched reference activations in graph order, each with its reason.
    public let unmatched: [(reference: Int, reason: UnmatchedReason)]
    /// The first matched pair, in the reference's graph order, that does not agree.
    public var firstDivergent: LayerMatch? { matches.first { !$0.agrees } }
}
