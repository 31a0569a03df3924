/// A summary of an activation's values that does not depend on their layout: a few quantiles of
/// the sorted values, the sum and the sum of magnitudes. Two activations whose values agree
/// element by element (in any layout) have close sketches, so sketches rule out most pairs before
/// any element-by-element comparison.
struct ValueSketch: Sendable {
    static let fractions: [Double] = [0, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99, 1]

    let count: Int
    let quantiles: [Double]
    let sum: Double
    let absSum: Double
    /// max |value| over finite values.
    let scale: Double
    let hasNaN: Bool

    init(_ values: [Float]) {
        count = values.count
        let finite = values.filter { $0.isFinite }
        hasNaN = finite.count != values.count
        let sorted = finite.sorted()
        quantiles = sorted.isEmpty ? [] : Self.fractions.map { Double(sorted[Int(($0 * Double(sorted.count - 1)).rounded())]) }
        var s = 0.0, a = 0.0, m = 0.0
        for x in finite {
            s += Double(x)
            a += Double(abs(x))
            m = max(m, Double(abs(x)))
        }
        sum = s
        absSum = a
        scale = m
    }

    /// Whether an activation with this sketch can agree with the reference `sketch` element by
    /// element within `tolerance` (exact copies), or loosely enough to reach the cosine of an
    /// approximate copy. A necessary condition only, never a sufficient one.
    func mayAgree(with reference: ValueSketch, tolerance: ComparisonTolerance) -> Bool {
        guard count == reference.count, quantiles.count == reference.quantiles.count else { return false }
        if tolerance.approximate {
            // Loose by design: a quantized or float16 copy keeps the range and mass of the values.
            let slack = 0.25 * reference.scale
            guard zip(quantiles, reference.quantiles).allSatisfy({ abs($0 - $1) <= slack }) else { return false }
            return absSum <= 2 * reference.absSum + 1e-30 && reference.absSum <= 2 * absSum + 1e-30
        }
        // Sorting preserves an elementwise bound t = atol + rtol·max|a|, and sums move by at most n·t.
        let t = tolerance.absolute(scale: reference.scale) + tolerance.rtol * reference.scale
        let slack = t * (1 + 1e-6) + 1e-30
        guard zip(quantiles, reference.quantiles).allSatisfy({ abs($0 - $1) <= slack }) else { return false }
        let total = Double(count) * slack
        return abs(sum - reference.sum) <= total + 1e-9 * reference.absSum
            && abs(absSum - reference.absSum) <= total + 1e-9 * reference.absSum
    }
}
