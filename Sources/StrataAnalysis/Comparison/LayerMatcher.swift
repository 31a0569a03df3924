/// Pairs the activations of a reference model with those of another model of the same network
/// (a conversion, a quantized, float16 or optimised copy) and measures each pair.
///
/// Evidence, strongest first (`MatchStrategy.auto`): the pairs of a layer map; names (a whole
/// name, a path component, a tensor name; converter suffixes removed) whose values agree; values
/// alone (same element count, agreeing within tolerance in the layouts `LayoutTransform` relates,
/// found through layout-independent `ValueSketch`es rather than by comparing all pairs); names
/// whose values do not agree, when no agreeing pair claimed that activation (this is how a
/// divergence is named); and near matches, the activation of the right size and position with the
/// highest cosine similarity. Every pair after the layer map keeps the graph order consistent: a
/// layer downstream of a matched layer never matches an activation upstream of that layer's
/// counterpart, and the other way round.
public struct LayerMatcher: Sendable {
    public var strategy: MatchStrategy
    public var tolerance: ComparisonTolerance

    public init(strategy: MatchStrategy = .auto, tolerance: ComparisonTolerance = .init()) {
        self.strategy = strategy
        self.tolerance = tolerance
    }

    /// Matches `reference` against `other` (both in graph order). `given` holds layer-map pairs
    /// (reference index, other index), used by the `auto` and `layer-map` strategies.
    public func match(_ reference: [ComparedActivation], _ other: [ComparedActivation], given: [(Int, Int)] = []) -> LayerMatching {
        var state = LayerMatchState(reference, other, tolerance)
        if strategy == .auto || strategy == .layerMap {
            for (a, b) in given where a >= 0 && a < reference.count && b >= 0 && b < other.count && state.accepted[a] == nil {
                state.accept(a, b, .map, evaluation: state.evaluate(a, b))
            }
        }
        if strategy == .auto || strategy == .names { state.matchAgreeingNames() }
        if strategy == .auto || strategy == .values { state.matchValues() }
        if strategy == .auto || strategy == .names { state.matchRemainingNames() }
        if strategy == .auto || strategy == .values { state.matchNear() }

        var matches: [LayerMatch] = []
        var unmatched: [(reference: Int, reason: UnmatchedReason)] = []
        for a in reference.indices {
            if let match = state.accepted[a] {
                matches.append(match)
            } else {
                unmatched.append((a, strategy == .layerMap ? .notInMap : state.reason(a)))
            }
        }
        return LayerMatching(matches: matches, unmatched: unmatched)
    }
}
