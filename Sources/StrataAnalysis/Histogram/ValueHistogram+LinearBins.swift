import StrataCore

extension ValueHistogram {
    /// The counts spread over `k` equal bins from `lo` to `hi` (usually the data's min and max), for
    /// drawing. Each bucket's count is shared among the bins its range `[a, b)` overlaps, in proportion
    /// to the overlap, as if its values were spread evenly; the range is first clipped to `[lo, hi]`
    /// (the buckets at the ends reach past the data), and a bucket left with no width puts its whole
    /// count in the bin holding that point. Buckets wholly outside `[lo, hi]` go to the nearer end bin,
    /// so the bins always sum to `total`. With `lo == hi` everything is in one bin of the `k`.
    public func linearBins(_ k: Int, from lo: Double, to hi: Double) throws -> [Double] {
        guard k > 0, k <= 1 << 20 else { throw StrataError(.invalidInput, "the number of bins must be 1 to 1048576, found \(k)") }
        guard lo.isFinite, hi.isFinite, lo <= hi else {
            throw StrataError(.invalidInput, "the bins' range must be finite with lo ≤ hi, found [\(lo), \(hi)]")
        }
        var bins = [Double](repeating: 0, count: k)
        let limits = HistogramBuckets.limits
        let width = (hi - lo) / Double(k)
        func bin(of x: Double) -> Int {
            guard width > 0 else { return 0 }
            return Swift.min(Swift.max(Int(((x - lo) / width).rounded(.down)), 0), k - 1)
        }
        for (i, n) in counts.enumerated() where n != 0 {
            let a = Swift.max(i == 0 ? lo : limits[i - 1], lo)
            let b = Swift.min(limits[i], hi)
            let count = Double(n)
            if b <= a {
                bins[bin(of: Swift.min(Swift.max(a, lo), hi))] += count
                continue
            }
            let first = bin(of: a), last = bin(of: b)
            if first == last {
                bins[first] += count
                continue
            }
            let span = b - a
            for j in first ... last {
                let binLo = lo + Double(j) * width, binHi = j == k - 1 ? hi : lo + Double(j + 1) * width
                let overlap = Swift.min(b, binHi) - Swift.max(a, binLo)
                if overlap > 0 { bins[j] += count * overlap / span }
            }
        }
        return bins
    }
}
