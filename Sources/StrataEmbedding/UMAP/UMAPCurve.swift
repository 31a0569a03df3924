import Foundation
import StrataCore

/// The low-dimensional similarity curve of UMAP, `1 / (1 + a·d^(2b))`, with `a` and `b` fitted as
/// umap-learn's `find_ab_params` fits them: least squares against `1` for `d < minDist` and
/// `exp(−(d − minDist) / spread)` beyond, at 300 points evenly spaced over `[0, 3·spread]`
/// (`np.linspace`), from `a = b = 1` (scipy's `curve_fit` default start). scipy uses MINPACK's
/// Levenberg–Marquardt; this is Levenberg–Marquardt too, run to convergence, so it reaches the same
/// minimum (to about 1e-6; the tests compare with scipy's values).
public struct UMAPCurve: Sendable, Hashable {
    public var a: Double
    public var b: Double

    public init(a: Double, b: Double) {
        self.a = a
        self.b = b
    }

    /// The fitted curve for `spread` and `minDist` (both positive, `minDist ≤ spread` as umap-learn
    /// requires).
    public init(spread: Double, minDist: Double) throws {
        guard spread > 0, spread.isFinite, minDist >= 0, minDist.isFinite, minDist <= spread else {
            throw StrataError(.invalidInput, "UMAP needs 0 ≤ min_dist ≤ spread and spread > 0, got min_dist \(minDist), spread \(spread)")
        }
        (a, b) = Self.fit(spread: spread, minDist: minDist)
    }

    /// Levenberg–Marquardt on the 300 points; returns (a, b).
    static func fit(spread: Double, minDist: Double) -> (Double, Double) {
        let count = 300
        let xs = (0 ..< count).map { spread * 3 * Double($0) / Double(count - 1) }
        let ys = xs.map { $0 < minDist ? 1 : exp(-($0 - minDist) / spread) }
        var a = 1.0, b = 1.0
        var lambda = 1e-3
        func cost(_ a: Double, _ b: Double) -> Double {
            var s = 0.0
            for (x, y) in zip(xs, ys) {
                let r = 1 / (1 + a * pow(x, 2 * b)) - y
                s += r * r
            }
            return s
        }
        var current = cost(a, b)
        for _ in 0 ..< 500 {
            // Normal equations of the Gauss–Newton step, J from the analytic derivatives.
            var jtj = (0.0, 0.0, 0.0), jtr = (0.0, 0.0)
            for (x, y) in zip(xs, ys) {
                let power = x > 0 ? pow(x, 2 * b) : 0
                let denominator = 1 + a * power
                let f = 1 / denominator
                let da = -power / (denominator * denominator)
                let db = x > 0 ? -a * power * 2 * log(x) / (denominator * denominator) : 0
                let r = f - y
                jtj.0 += da * da
                jtj.1 += da * db
                jtj.2 += db * db
                jtr.0 += da * r
                jtr.1 += db * r
            }
            var improved = false
            for _ in 0 ..< 50 {
                let m00 = jtj.0 * (1 + lambda), m11 = jtj.2 * (1 + lambda), m01 = jtj.1
                let det = m00 * m11 - m01 * m01
                guard det != 0, det.isFinite else { lambda *= 10; continue }
                let stepA = -(m11 * jtr.0 - m01 * jtr.1) / det
                let stepB = -(m00 * jtr.1 - m01 * jtr.0) / det
                let candidate = cost(a + stepA, b + stepB)
                if candidate.isFinite && candidate <= current {
                    let change = abs(stepA) / max(abs(a), 1e-12) + abs(stepB) / max(abs(b), 1e-12)
                    a += stepA
                    b += stepB
                    let previous = current
                    current = candidate
                    lambda = max(lambda / 10, 1e-12)
                    improved = true
                    if change < 1e-12 || previous - current <= 1e-16 * max(previous, 1e-300) { return (a, b) }
                    break
                }
                lambda *= 10
            }
            if !improved { break }
        }
        return (a, b)
    }
}
