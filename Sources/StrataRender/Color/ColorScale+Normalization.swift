import StrataCore

extension ColorScale {
    /// The one normalisation this scale gives `values` (`.perTile` counts as `.global`): the finite
    /// range, the fixed limits, or `−m … m`. Data with no finite value gets 0 … 0; a symmetric scale
    /// over all-zero data gets −1 … 1 so that zeros take the middle colour.
    func normalization<S: Sequence>(for values: S) throws -> Normalization where S.Element == Float {
        switch self {
        case .perTile, .global:
            let range = FloatMap.finiteRange(of: values)
            return try Normalization(vmin: Double(range?.lowerBound ?? 0), vmax: Double(range?.upperBound ?? 0))
        case .fixed(let vmin, let vmax):
            return try Normalization(vmin: vmin, vmax: vmax)
        case .symmetric(let limit):
            if let limit {
                guard limit > 0, limit.isFinite else {
                    throw StrataError(.invalidInput, "symmetric colour scale limit must be positive and finite, got \(limit)")
                }
                return try Normalization(vmin: -limit, vmax: limit)
            }
            var m: Float = 0
            for v in values where v.isFinite { m = max(m, abs(v)) }
            let limit = m > 0 ? Double(m) : 1
            return try Normalization(vmin: -limit, vmax: limit)
        }
    }
}
