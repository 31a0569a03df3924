import Foundation

/// How far one activation is from its reference: the numbers of a row of `strata compare`.
public struct ActivationDifference: Sendable, Equatable {
    /// max |a − b| (NaN when a difference is NaN).
    public var maxAbs: Double
    /// `maxAbs` over max |a| (0 when both are 0, infinite when only a is 0).
    public var maxRelative: Double
    /// Cosine similarity of the two as vectors (1 when both are zero, 0 when only one is).
    public var cosine: Double
    /// Signal-to-quantization-noise ratio in dB: 10·log10(Σa² / Σ(a − b)²); +∞ when the two are equal.
    public var sqnr: Double
    /// Every element within atol + rtol·|a| (NaNs agree with NaNs).
    public var withinTolerance: Bool

    public init(maxAbs: Double, maxRelative: Double, cosine: Double, sqnr: Double, withinTolerance: Bool) {
        self.maxAbs = maxAbs
        self.maxRelative = maxRelative
        self.cosine = cosine
        self.sqnr = sqnr
        self.withinTolerance = withinTolerance
    }

    /// The difference of `b` from the reference `a`, element by element (same count).
    public static func measure(_ a: [Float], _ b: [Float], tolerance: ComparisonTolerance) -> ActivationDifference {
        precondition(a.count == b.count, "ActivationDifference: different element counts")
        var scale = 0.0
        for x in a where x.isFinite { scale = max(scale, Double(abs(x))) }
        let atol = tolerance.absolute(scale: scale)
        var maxAbs = 0.0, dot = 0.0, normA = 0.0, normB = 0.0, noise = 0.0
        var within = true
        for i in 0 ..< a.count {
            let x = Double(a[i]), y = Double(b[i])
            let diff = abs(x - y)
            if !(diff <= atol + tolerance.rtol * abs(x)) && !(x.isNaN && y.isNaN) && x != y { within = false }
            if diff.isNaN { maxAbs = .nan } else if !maxAbs.isNaN { maxAbs = max(maxAbs, diff) }
            dot += x * y
            normA += x * x
            normB += y * y
            noise += (x - y) * (x - y)
        }
        var cosine: Double
        if normA == 0 && normB == 0 { cosine = 1 } else { cosine = dot / (normA.squareRoot() * normB.squareRoot()) }
        if cosine.isNaN { cosine = 0 }
        let maxRelative = scale > 0 ? maxAbs / scale : (maxAbs == 0 ? 0 : .infinity)
        let sqnr: Double
        if noise == 0 { sqnr = .infinity } else if noise.isNaN || normA.isNaN { sqnr = .nan } else { sqnr = 10 * log10(normA / noise) }
        return ActivationDifference(maxAbs: maxAbs, maxRelative: maxRelative, cosine: min(cosine, 1), sqnr: sqnr, withinTolerance: within)
    }
}
