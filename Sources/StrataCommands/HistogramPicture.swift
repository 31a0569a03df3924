import StrataAnalysis
import StrataRender

/// The histogram pictures of `stats` and `filters`: values counted in the fixed buckets of
/// `ValueHistogram`, spread over 64 equal bins between the smallest and the largest finite value,
/// on a logarithmic count axis (activations and weights span orders of magnitude).
enum HistogramPicture {
    static let bins = 64

    /// nil when no finite value was counted.
    static func make(title: String, notes: [String], histogram: ValueHistogram, count: Int,
                     mean: Double?, std: Double?, min: Double?, max: Double?, xLabel: String) throws -> Histogram? {
        guard let lo = min, let hi = max, let mean, let std, count > 0 else { return nil }
        let k = lo == hi ? 1 : bins
        let counts = try histogram.linearBins(k, from: lo, to: hi)
        let edges: [Double] = lo == hi
            ? [lo - 0.5, lo + 0.5]
            : (0 ... k).map { $0 == k ? hi : lo + (hi - lo) * Double($0) / Double(k) }
        return Histogram(
            title: title, subtitle: notes.isEmpty ? nil : notes.joined(separator: " · "), edges: edges, counts: counts,
            logarithmic: true, summary: .init(count: count, mean: mean, std: std, min: lo, max: hi), xLabel: xLabel, yLabel: "count")
    }
}
