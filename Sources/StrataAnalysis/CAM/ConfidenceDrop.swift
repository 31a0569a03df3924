/// pytorch-grad-cam 1.5.7's confidence-drop metric (`metrics/cam_mult_image.py`,
/// `metrics/perturbation_confidence.py`): how much the target score falls when the input is
/// multiplied by the heat map, or by a binary mask keeping only its most relevant positions.
public enum ConfidenceDrop {
    /// `DropInConfidence`: `max(score − scoreAfter, 0)`.
    public static func drop(score: Float, scoreAfter: Float) -> Float { max(score - scoreAfter, 0) }

    /// The binary mask of `RemoveLeastRelevantFirst(100 − keepPercent, multiply_tensor_with_cam)`:
    /// 1 where `1 − h < percentile(1 − h, 100 − keepPercent)` (numpy's linear percentile), else 0;
    /// i.e. about the top `keepPercent` % of the heat map `h` kept. `keepPercent` is within 0…100.
    public static func keepMask(_ heatmap: ActivationMap, keepPercent: Double) -> ActivationMap {
        precondition((0 ... 100).contains(keepPercent), "ConfidenceDrop: keepPercent outside 0…100")
        let inverted = heatmap.values.map { 1 - $0 }
        let threshold = percentile(inverted, 100 - keepPercent)
        return ActivationMap(height: heatmap.height, width: heatmap.width, values: inverted.map { $0 < threshold ? 1 : 0 })
    }

    /// numpy's `np.percentile(values, q)` (method `linear`), computed in double as numpy does for
    /// float32 input, rounded to float32.
    static func percentile(_ values: [Float], _ q: Double) -> Float {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return .nan }
        let position = q / 100 * Double(sorted.count - 1)
        let low = Int(position.rounded(.down))
        let high = min(low + 1, sorted.count - 1)
        let fraction = position - Double(low)
        let a = Double(sorted[low]), b = Double(sorted[high])
        // numpy's _lerp: a + (b − a)·t, or b − (b − a)·(1 − t) for t ≥ 0.5.
        let value = fraction >= 0.5 ? b - (b - a) * (1 - fraction) : a + (b - a) * fraction
        return Float(value)
    }
}
