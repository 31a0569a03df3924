import Foundation

/// The points and weights integrated gradients sums over, as captum 0.9's
/// `approximation_methods` gives them: `alphas` in 0…1 (input = baseline + α·(x − baseline)) and
/// `stepSizes`, the weight of the gradient at each.
public struct PathIntegral: Sendable, Equatable {
    /// captum's `method` argument.
    public enum Method: String, CaseIterable, Sendable {
        /// captum's default: Gauss–Legendre quadrature, `α = (1 + xᵢ)/2`, step `wᵢ/2` with `xᵢ, wᵢ`
        /// numpy's `leggauss(n)` nodes (ascending) and weights.
        case gaussLegendre = "gausslegendre"
        /// `α` from 0 to `1 − 1/n` (float32 `torch.linspace`), step `1/n`.
        case riemannLeft = "riemann_left"
        /// `α` from `1/n` to 1, step `1/n`.
        case riemannRight = "riemann_right"
        /// `α` from `1/(2n)` to `1 − 1/(2n)`, step `1/n`.
        case riemannMiddle = "riemann_middle"
        /// `α` from 0 to 1, step `1/n` halved at both ends (captum's weights, as they are).
        case riemannTrapezoid = "riemann_trapezoid"
    }

    public let alphas: [Double]
    public let stepSizes: [Double]

    /// The rule for `steps` points (at least 2, as captum asserts).
    public init(_ method: Method, steps n: Int) {
        precondition(n >= 2, "PathIntegral: captum needs at least 2 steps")
        switch method {
        case .gaussLegendre:
            let (x, w) = PathIntegral.legendreNodes(n)
            alphas = x.map { 0.5 * (1 + $0) }
            stepSizes = w.map { 0.5 * $0 }
        case .riemannLeft:
            alphas = PathIntegral.linspace(0, 1 - 1 / Double(n), n)
            stepSizes = Array(repeating: 1 / Double(n), count: n)
        case .riemannRight:
            alphas = PathIntegral.linspace(1 / Double(n), 1, n)
            stepSizes = Array(repeating: 1 / Double(n), count: n)
        case .riemannMiddle:
            alphas = PathIntegral.linspace(1 / (2 * Double(n)), 1 - 1 / (2 * Double(n)), n)
            stepSizes = Array(repeating: 1 / Double(n), count: n)
        case .riemannTrapezoid:
            alphas = PathIntegral.linspace(0, 1, n)
            // captum's trapezoid weights: 1/n, halved at both ends (they sum to 1 − 1/n).
            stepSizes = (0 ..< n).map { $0 == 0 || $0 == n - 1 ? 1 / Double(n) / 2 : 1 / Double(n) }
        }
    }

    /// `torch.linspace(start, end, n)` in float32 (captum's Riemann alphas): `step = (end − start)/(n − 1)`,
    /// the first half counted up from `start`, the second down from `end`.
    static func linspace(_ start: Double, _ end: Double, _ n: Int) -> [Double] {
        let s = Float(start), e = Float(end)
        let step = (e - s) / Float(n - 1)
        return (0 ..< n).map { i in Double(i < n / 2 ? s + step * Float(i) : e - step * Float(n - 1 - i)) }
    }

    /// Gauss–Legendre nodes on −1…1 in ascending order and their weights: Newton's method on the
    /// Legendre polynomial from the Chebyshev-like start `cos(π(i + ¾)/(n + ½))`, to double precision.
    static func legendreNodes(_ n: Int) -> (nodes: [Double], weights: [Double]) {
        var nodes = [Double](repeating: 0, count: n)
        var weights = [Double](repeating: 0, count: n)
        for i in 0 ..< (n + 1) / 2 {
            var x = cos(Double.pi * (Double(i) + 0.75) / (Double(n) + 0.5))
            var derivative = 0.0
            for _ in 0 ..< 100 {
                // Pₙ by the three-term recurrence; p0 ends as Pₙ₋₁.
                var p0 = 1.0, p1 = x
                if n >= 2 {
                    for k in 2 ... n {
                        let p2 = ((2 * Double(k) - 1) * x * p1 - (Double(k) - 1) * p0) / Double(k)
                        p0 = p1
                        p1 = p2
                    }
                }
                // P'ₙ(x) = n(x·Pₙ − Pₙ₋₁)/(x² − 1).
                derivative = Double(n) * (x * p1 - p0) / (x * x - 1)
                let step = p1 / derivative
                x -= step
                if abs(step) < 1e-16 { break }
            }
            nodes[i] = -x
            nodes[n - 1 - i] = x
            let w = 2 / ((1 - x * x) * derivative * derivative)
            weights[i] = w
            weights[n - 1 - i] = w
        }
        return (nodes, weights)
    }
}
