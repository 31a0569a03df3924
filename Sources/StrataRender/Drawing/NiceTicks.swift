import Foundation

/// Axis ticks at "nice" numbers: steps of 1, 2, 2.5 or 5 times a power of ten (only 1, 2, 5 for
/// integer index axes), chosen as the smallest such step that keeps the tick count within a limit.
struct NiceTicks: Equatable {
    /// Tick values, ascending.
    var values: [Double]
    /// The distance between ticks (0 for a single tick).
    var step: Double

    /// Ticks within `lower...upper`, at most `maxCount` (≥ 2) and at least two when the range is
    /// not empty (its two ends, with step 0, when no nice step fits). A point range gets the single
    /// tick `lower`, a non-finite one none.
    static func inside(_ lower: Double, _ upper: Double, maxCount: Int) -> NiceTicks {
        let limit = max(2, maxCount)
        let range = upper - lower
        guard lower.isFinite, upper.isFinite, range > 0, range.isFinite else {
            return NiceTicks(values: lower.isFinite ? [lower] : [], step: 0)
        }
        for step in candidateSteps(atLeast: range / Double(limit + 1), mantissas: [1, 2, 2.5, 5]) {
            let ticks = multiples(of: step, in: lower, upper)
            if ticks.count > limit { continue }
            if ticks.count >= 2 { return NiceTicks(values: ticks, step: step) }
            break
        }
        // Too narrow a range for two nice multiples: label its ends.
        return NiceTicks(values: [lower, upper], step: 0)
    }

    /// Limits widened outward to multiples of a nice step, with the ticks between them:
    /// for value axes of bar charts and histograms (which start at a tick).
    static func covering(_ lower: Double, _ upper: Double, maxCount: Int) -> (lower: Double, upper: Double, ticks: NiceTicks) {
        let limit = max(2, maxCount)
        guard lower.isFinite, upper.isFinite, upper > lower else {
            let v = lower.isFinite ? lower : 0
            let pad = v == 0 ? 1 : abs(v) / 2
            return covering(v - pad, v + pad, maxCount: limit)
        }
        for step in candidateSteps(atLeast: (upper - lower) / Double(limit), mantissas: [1, 2, 2.5, 5]) {
            let low = (lower / step).rounded(.down) * step
            let high = (upper / step).rounded(.up) * step
            let ticks = multiples(of: step, in: low, high)
            if ticks.count <= limit + 1 {
                return (low, high, NiceTicks(values: ticks, step: step))
            }
        }
        return (lower, upper, NiceTicks(values: [lower, upper], step: 0))
    }

    /// Integer ticks for an index axis `0..<count`, at most `maxCount`, starting at 0.
    static func indices(count: Int, maxCount: Int) -> NiceTicks {
        guard count > 1 else { return NiceTicks(values: count == 1 ? [0] : [], step: 0) }
        let limit = max(2, maxCount)
        for step in candidateSteps(atLeast: max(1, Double(count - 1) / Double(limit)), mantissas: [1, 2, 5]) {
            let n = (count - 1) / Int(step) + 1
            if n <= limit {
                return NiceTicks(values: (0..<n).map { Double($0) * step }, step: step)
            }
        }
        return NiceTicks(values: [0], step: 0)
    }

    /// Powers of ten within `lower...upper` (both positive), for a log axis.
    static func decades(_ lower: Double, _ upper: Double) -> [Double] {
        guard lower > 0, upper >= lower, upper.isFinite else { return [] }
        let first = Int(log10(lower).rounded(.up)), last = Int(log10(upper).rounded(.down))
        guard first <= last else { return [] }
        let every = max(1, (last - first + 1 + 9) / 10)
        return stride(from: first, through: last, by: every).map { pow(10, Double($0)) }
    }

    /// Nice steps from the smallest one ≥ `rough`, ascending (a bounded sequence).
    private static func candidateSteps(atLeast rough: Double, mantissas: [Double]) -> [Double] {
        guard rough > 0, rough.isFinite else { return [1] }
        let start = Int(log10(rough).rounded(.down)) - 1
        var steps: [Double] = []
        for exponent in start...(start + 4) {
            for m in mantissas {
                let step = m * pow(10, Double(exponent))
                if step >= rough * (1 - 1e-12) { steps.append(step) }
            }
        }
        return steps
    }

    /// `k · step` for every integer k with the product in `lower...upper` (allowing rounding).
    private static func multiples(of step: Double, in lower: Double, _ upper: Double) -> [Double] {
        let first = (lower / step - 1e-9).rounded(.up), last = (upper / step + 1e-9).rounded(.down)
        guard first <= last, last - first < 10_000 else { return [] }
        return stride(from: first, through: last, by: 1).map { $0 * step }
    }
}
