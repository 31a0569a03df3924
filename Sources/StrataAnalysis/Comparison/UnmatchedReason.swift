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
