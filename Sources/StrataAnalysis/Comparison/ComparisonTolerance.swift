/// When two activations count as the same: the per-element rule for exact copies, and the cosine
/// rule for approximate copies (a quantized or float16 side).
public struct ComparisonTolerance: Sendable, Equatable {
    /// Relative tolerance: an element agrees when |a − b| ≤ atol + rtol·|a|.
    public var rtol: Double
    /// Absolute tolerance; nil means `TolerancePolicy.reference`'s: 1e-4 times the largest magnitude of the
    /// reference activation.
    public var atol: Double?
    /// One side is an approximate copy (quantized, float16): a pair agrees when its cosine
    /// similarity is at least `minimumCosine` (and its SQNR at least `approximateMinimumSQNR`), and
    /// value matching accepts that criterion.
    public var approximate: Bool
    /// The cosine similarity an approximate copy must reach.
    public var minimumCosine: Double
    /// The least cosine similarity of a near match, made for a layer without an agreeing counterpart.
    public var nearCosine: Double

    public init(rtol: Double = TolerancePolicy.reference.rtol, atol: Double? = nil, approximate: Bool = false,
                minimumCosine: Double = TolerancePolicy.approximateMinimumCosine, nearCosine: Double = TolerancePolicy.nearMatchCosine) {
        self.rtol = rtol
        self.atol = atol
        self.approximate = approximate
        self.minimumCosine = minimumCosine
        self.nearCosine = nearCosine
    }

    /// The absolute tolerance for a reference activation whose largest magnitude is `scale`.
    func absolute(scale: Double) -> Double { atol ?? TolerancePolicy.reference.atolScale * scale }

    /// The least SQNR (dB) an approximate copy must also reach (`TolerancePolicy.approximateMinimumSQNR`).
    public static let approximateMinimumSQNR = TolerancePolicy.approximateMinimumSQNR

    /// Whether a measured difference counts as agreement under this tolerance.
    public func accepts(_ difference: ActivationDifference) -> Bool {
        if difference.withinTolerance { return true }
        return approximate && difference.cosine >= minimumCosine && difference.sqnr >= Self.approximateMinimumSQNR
    }
}
