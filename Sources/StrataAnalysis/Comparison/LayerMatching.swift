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

/// Why a reference layer has no counterpart.
public enum UnmatchedReason: Sendable, Equatable, CustomStringConvertible {
    /// Its weights and those of a layer downstream of it feed one node of the other model, which
    /// computes the downstream layer's value (a Conv with its BatchNormalization folded in): the
    /// name of that node's activation.
    case fused(into: String)
    /// No activation of the other model agrees with it, by name or value, in a consistent position.
    case noCounterpart
    /// The layer map names no counterpart (`layer-map` strategy).
    case notInMap

    public var description: String {
        switch self {
        case .fused(let into): "fused into '\(into)'"
        case .noCounterpart: "no counterpart"
        case .notInMap: "not in the layer map"
        }
    }
}

/// The result of matching two models' activations.
public struct LayerMatching: Sendable {
    /// Matched pairs in the reference's graph order.
    public let matches: [LayerMatch]
    /// Unmatched reference activations in graph order, each with its reason.
    public let unmatched: [(reference: Int, reason: UnmatchedReason)]
    /// The first matched pair, in the reference's graph order, that does not agree.
    public var firstDivergent: LayerMatch? { matches.first { !$0.agrees } }
}
