import StrataCore

/// A histogram for TensorBoard's histogram and distribution dashboards, as a `HistogramProto` holds
/// it: bucket `i` counts the values from `bucketLimits[i - 1]` (from −DBL_MAX for `i = 0`) up to
/// `bucketLimits[i]`, and `num`, `sum`, `sumSquares`, `min`, `max` summarise the values counted.
public struct TensorBoardHistogram: Sendable, Equatable {
    public let min: Double
    public let max: Double
    /// The number of values counted.
    public let num: Double
    public let sum: Double
    /// The sum of the squares of the values.
    public let sumSquares: Double
    /// Increasing upper limits of the buckets.
    public let bucketLimits: [Double]
    /// One count per bucket.
    public let bucketCounts: [Double]

    /// Throws `invalidInput` unless the summary numbers are finite with `min ≤ max` and `num ≥ 0`, the
    /// limits strictly increase (not NaN), and there is one finite, non-negative count per limit.
    public init(min: Double, max: Double, num: Double, sum: Double, sumSquares: Double,
                bucketLimits: [Double], bucketCounts: [Double]) throws {
        guard [min, max, num, sum, sumSquares].allSatisfy(\.isFinite), min <= max, num >= 0, sumSquares >= 0 else {
            throw StrataError(.invalidInput, "a TensorBoard histogram needs finite min ≤ max, num ≥ 0, sum and sum of squares ≥ 0")
        }
        guard bucketLimits.count == bucketCounts.count, !bucketLimits.isEmpty else {
            throw StrataError(.invalidInput, "a TensorBoard histogram needs one count per bucket limit, found \(bucketLimits.count) limits and \(bucketCounts.count) counts")
        }
        guard !bucketLimits.contains(where: \.isNaN), zip(bucketLimits, bucketLimits.dropFirst()).allSatisfy({ $0 < $1 }) else {
            throw StrataError(.invalidInput, "the bucket limits of a TensorBoard histogram must strictly increase")
        }
        guard bucketCounts.allSatisfy({ $0.isFinite && $0 >= 0 }) else {
            throw StrataError(.invalidInput, "the bucket counts of a TensorBoard histogram must be finite and non-negative")
        }
        self.min = min
        self.max = max
        self.num = num
        self.sum = sum
        self.sumSquares = sumSquares
        self.bucketLimits = bucketLimits
        self.bucketCounts = bucketCounts
    }

    /// The histogram of counts over a fixed grid of buckets (`limits[i]` the upper limit of bucket
    /// `i`), encoded as TensorFlow's `Histogram::EncodeToProto` does by default: every run of empty
    /// buckets becomes one bucket reaching to the run's last limit, non-empty buckets stay as they are.
    /// Throws as `init` does, and when `counts` has another length than `limits` or a negative count.
    public init(grid limits: [Double], counts: [Int], min: Double, max: Double, num: Double, sum: Double,
                sumSquares: Double) throws {
        guard limits.count == counts.count else {
            throw StrataError(.invalidInput, "a histogram grid of \(limits.count) limits needs \(limits.count) counts, found \(counts.count)")
        }
        guard counts.allSatisfy({ $0 >= 0 }) else {
            throw StrataError(.invalidInput, "the bucket counts of a TensorBoard histogram must be non-negative")
        }
        var encodedLimits: [Double] = []
        var encodedCounts: [Double] = []
        var i = 0
        while i < counts.count {
            var end = limits[i]
            let count = counts[i]
            i += 1
            if count == 0 {
                while i < counts.count, counts[i] == 0 {
                    end = limits[i]
                    i += 1
                }
            }
            encodedLimits.append(end)
            encodedCounts.append(Double(count))
        }
        try self.init(min: min, max: max, num: num, sum: sum, sumSquares: sumSquares,
                      bucketLimits: encodedLimits, bucketCounts: encodedCounts)
    }
}
