/// One elementwise closeness rule: a value `got` agrees with its reference `want` when
/// `|got − want| ≤ atol + atolScale·max|reference| + rtol·|want|`, where max|reference| is the largest
/// finite magnitude of the whole reference tensor. Infinities must be equal; NaN agrees with NaN only
/// when `nanEqual` is set (numpy's `isclose(..., equal_nan=True)`).
///
/// The named rules of `TolerancePolicy` are the ones `strata compare`, the test targets (through
/// StrataTestSupport) and the Tools scripts (through Tools/testlib.py) share.
public struct ToleranceRule: Sendable, Equatable {
    /// Relative tolerance, times |want| of each element.
    public var rtol: Double
    /// Absolute tolerance.
    public var atol: Double
    /// Absolute tolerance as a fraction of the reference's largest finite magnitude.
    public var atolScale: Double
    /// NaN agrees with NaN.
    public var nanEqual: Bool

    public init(rtol: Double, atol: Double = 0, atolScale: Double = 0, nanEqual: Bool = true) {
        self.rtol = rtol
        self.atol = atol
        self.atolScale = atolScale
        self.nanEqual = nanEqual
    }

    /// The worst element of a comparison that fails the rule.
    public struct Violation: Sendable, Equatable, CustomStringConvertible {
        /// Flat index of the worst element (for a count mismatch: the shorter count).
        public var index: Int
        public var got: Double
        public var want: Double
        /// |got − want| over the allowed error at `index` (infinite for NaN, infinity or count mismatches).
        public var excess: Double
        /// How many elements fail.
        public var failing: Int
        public var count: Int
        /// The reference's largest finite magnitude.
        public var scale: Double

        public var description: String {
            "\(failing) of \(count) values differ; worst at element \(index): got \(got), want \(want) "
                + "(\(excess.isFinite ? String(excess) : "∞")× the allowed error, max|ref| \(scale))"
        }
    }

    /// The allowed error for reference value `want` in a tensor whose largest finite magnitude is `scale`.
    public func allowed(_ want: Double, scale: Double) -> Double {
        atol + atolScale * scale + rtol * abs(want)
    }

    /// nil when every element of `got` agrees with `want`, else the worst one. Different counts fail
    /// with a violation at the shorter count.
    public func violation(_ got: [Double], _ want: [Double]) -> Violation? {
        var scale = 0.0
        for w in want where w.isFinite { scale = max(scale, abs(w)) }
        guard got.count == want.count else {
            return Violation(index: min(got.count, want.count), got: .nan, want: .nan, excess: .infinity,
                             failing: abs(got.count - want.count), count: want.count, scale: scale)
        }
        var worst: Violation?
        var failing = 0
        for i in 0..<want.count {
            let g = got[i], w = want[i]
            let excess: Double
            if w.isNaN || g.isNaN {
                excess = nanEqual && w.isNaN && g.isNaN ? 0 : .infinity
            } else if w.isInfinite || g.isInfinite {
                excess = g == w ? 0 : .infinity
            } else {
                let limit = allowed(w, scale: scale)
                let error = abs(g - w)
                excess = error <= limit ? 0 : (limit > 0 ? error / limit : .infinity)
            }
            guard excess > 0 else { continue }
            failing += 1
            if worst == nil || excess > worst!.excess {
                worst = Violation(index: i, got: g, want: w, excess: excess, failing: 0, count: want.count, scale: scale)
            }
        }
        worst?.failing = failing
        return worst
    }
}
