import StrataCore

/// Counts of finite values in TensorBoard's default buckets (`HistogramBuckets`): the histogram of
/// `strata stats` and of `strata filters`' weights. Two histograms add bucket by bucket, exactly.
public struct ValueHistogram: Sendable, Equatable {
    /// One count per bucket of the fixed grid (`bucketLimits.count` entries).
    public private(set) var counts: [Int]

    /// The grid's bucket limits: bucket `i` holds `bucketLimits[i-1] ≤ v < bucketLimits[i]`.
    public static var bucketLimits: [Double] { HistogramBuckets.limits }

    /// An empty histogram.
    public init() {
        counts = [Int](repeating: 0, count: HistogramBuckets.count)
    }

    /// The histogram of a tensor's finite values (any dtype; NaN and ±∞ are left out).
    public init(of tensor: Tensor) {
        var stats = ActivationStatistics(layout: .nchw)
        // As rank 1 the values have no channel axis: only the histogram is wanted.
        stats.accumulate(tensor.reshaped([tensor.count]))
        self = stats.histogram
    }

    /// Number of values counted.
    public var total: Int { counts.reduce(0, +) }

    /// Adds one value; NaN and ±∞ are ignored.
    public mutating func add(_ value: Double) {
        guard value.isFinite else { return }
        counts[HistogramBuckets.referenceBucket(value)] += 1
    }

    /// Adds `other`'s counts.
    public mutating func merge(_ other: ValueHistogram) {
        for i in counts.indices { counts[i] += other.counts[i] }
    }

    /// Adds `n` to bucket `i` (the statistics kernels' partial counts).
    mutating func add(_ n: Int, toBucket i: Int) {
        counts[i] += n
    }

    /// The non-empty span of the grid: `edges` (`counts.count + 1` limits) and the counts between them,
    /// from the first to the last non-empty bucket. Both are empty when no value was counted.
    public var trimmed: (edges: [Double], counts: [Int]) {
        guard let first = counts.firstIndex(where: { $0 != 0 }), let last = counts.lastIndex(where: { $0 != 0 }) else {
            return ([], [])
        }
        let limits = HistogramBuckets.limits
        // Bucket 0 holds only values below −DBL_MAX, never counted, so `first − 1` is a limit.
        return (Array(limits[(first - 1) ... last]), Array(counts[first ... last]))
    }

    /// Rebuilds a histogram from its trimmed form. `edges` must be consecutive limits of the grid and
    /// `counts` non-negative with one fewer entry; otherwise the error names `field`.
    public init(edges: [Double], counts trimmedCounts: [Int], field: String = "histogram") throws {
        self.init()
        if edges.isEmpty && trimmedCounts.isEmpty { return }
        guard edges.count == trimmedCounts.count + 1 else {
            throw StrataError(.invalidInput, "\(edges.count) edges need \(edges.count - 1) counts, found \(trimmedCounts.count)",
                              at: ErrorLocation(detail: "field '\(field)'"))
        }
        let limits = HistogramBuckets.limits
        guard let start = limits.firstIndex(of: edges[0]), start + edges.count <= limits.count,
              Array(limits[start ..< start + edges.count]) == edges else {
            throw StrataError(.invalidInput, "the edges are not consecutive limits of TensorBoard's default buckets",
                              at: ErrorLocation(detail: "field '\(field).edges'"))
        }
        for (i, n) in trimmedCounts.enumerated() {
            guard n >= 0 else {
                throw StrataError(.invalidInput, "count \(i) is negative", at: ErrorLocation(detail: "field '\(field).counts'"))
            }
            counts[start + 1 + i] = n
        }
    }
}
