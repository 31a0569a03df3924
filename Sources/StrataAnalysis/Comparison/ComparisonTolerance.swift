/// When two activations count as the same: the per-element rule for exact copies, and the cosine
/// rule for approximate copies (a quantized or float16 side).
public struct ComparisonTolerance: Sendable, Equatable {
    /// Relative tolerance: an element agrees when |a − b| ≤ atol + rtol·|a|.
    public var rtol: Double
    /// Absolute tolerance; nil means 1e-4 times the largest magnitude of the reference activation.
    public var atol: Double?
    /// One side is an approximate copy (quantized, float16): a pair agrees when its cosine
    /// similarity is at least `minimumCosine` (and its SQNR at least `approximateMinimumSQNR`), and
    /// value matching accepts that criterion.
    public var approximate: Bool
    /// The cosine similarity an approximate copy must reach.
    public var minimumCosine: Double
    /// The least cosine similarity of a near match, made for a layer without an agreeing counterpart.
    public var nearCosine: Double

    public init(rtol: Double = 1e-3, atol: Double? = nil, approximate: Bool = false, minimumCosine: Double = 0.99, nearCosine: Double = 0.5) {
        self.rtol = rtol
        self.atol = atol
        self.approximate = approximate
        self.minimumCosine = minimumCosine
        self.nearCosine = nearCosine
    }

    /// The absolute tolerance for a reference activation whose largest magnitude is `scale`.
    func absolute(scale: Double) -> Double { atol ?? 1e-4 * scale }

    /// The least SQNR (dB) an approximate copy must also reach: a scaled copy has cosine 1, and
    /// this rejects one scaled by more than about ±30 %. A copy at cosine 0.99 with the same norm
    /// has an SQNR of 17 dB.
    public static let approximateMinimumSQNR = 10.0

    /// Whether a measured difference counts as agreement under this tolerance.
    public func accepts(_ difference: ActivationDifference) -> Bool {
        if difference.withinTolerance { return true }
        return approximate && difference.cosine >= minimumCosine && difference.sqnr >= Self.approximateMinimumSQNR
    }
}
