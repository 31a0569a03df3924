/// TensorBoard's default histogram buckets (`tensorflow/core/lib/histogram/histogram.cc`,
/// `InitDefaultBuckets`), fixed before any data is seen so that histograms of shards add up exactly.
///
/// The limits are `1e-12 · 1.1^k` made by repeated multiplication in double while below `1e20`,
/// then `DBL_MAX`; the same mirrored negative; and `0`: 1551 limits in increasing order. Bucket `i`
/// holds the values `v` with `limits[i-1] ≤ v < limits[i]`: a value goes in the first bucket whose
/// limit is greater than it (`std::upper_bound`), so `±0` both land in `[0, 1e-12)`. Bucket 0 would
/// hold only values below `−DBL_MAX`; `DBL_MAX` itself, which TensorFlow would index past the end,
/// is counted in the last bucket.
///
/// Lookup is two table reads and one comparison: the sign, exponent and top four mantissa bits of a
/// value pick a sub-range at most 1/16 wide relative to its magnitude, narrower than the 10 % spacing
/// of the limits, so at most one limit falls inside it; the table holds the bucket of the sub-range's
/// smallest value, and the value moves one bucket up when it is at or above that bucket's limit.
enum HistogramBuckets {
    static let limits: [Double] = {
        var positive: [Double] = []
        var v = 1.0e-12
        while v < 1.0e20 {
            positive.append(v)
            v *= 1.1
        }
        positive.append(Double.greatestFiniteMagnitude)
        return positive.reversed().map { -$0 } + [0] + positive
    }()

    /// Number of buckets (one per limit).
    static var count: Int { limits.count }

    /// The first bucket whose limit is greater than `v`, by binary search: the definition, for checks.
    static func referenceBucket(_ v: Double) -> Int {
        var lo = 0, hi = limits.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if limits[mid] > v { hi = mid } else { lo = mid + 1 }
        }
        return Swift.min(lo, limits.count - 1)
    }

    // MARK: float32 lookup

    /// Bucket of the smallest float in each sub-range keyed by the top 13 bits (sign, exponent, 4 mantissa
    /// bits). NaN and ±∞ get `spareBucket`.
    static let floatTable: [UInt16] = (0 ..< (1 << 13)).map { key in
        let sign = key >> 12, exponent = (key >> 4) & 0xFF
        if exponent == 0xFF { return UInt16(spareBucket) }
        let bits = UInt32(key) << 19 | (sign == 1 ? 0x7FFFF : 0)
        return UInt16(referenceBucket(Double(Float(bitPattern: bits))))
    }

    /// `limits` rounded up to float32: for a float `x`, `x ≥ floatLimits[i]` exactly when `Double(x) ≥ limits[i]`.
    /// The spare bucket's limit is NaN, so that nothing moves past it.
    static let floatLimits: [Float] = limits.map { limit in
        var f = Float(limit)
        if Double(f) < limit { f = f.nextUp }
        return f
    } + [.nan]

    /// Where the float lookup puts NaN and ±∞: one past the last bucket, counted by the kernels' lanes
    /// but never reported.
    static var spareBucket: Int { limits.count }

    /// The bucket of a finite float; `spareBucket` for NaN and ±∞.
    @inline(__always)
    static func bucket(_ x: Float, table: UnsafePointer<UInt16>, limits: UnsafePointer<Float>) -> Int {
        let j = Int(table[Int(x.bitPattern >> 19)])
        return j &+ (x >= limits[j] ? 1 : 0)
    }

    // MARK: float64 lookup

    /// Bucket of the smallest double in each sub-range keyed by the top 16 bits (sign, exponent, 4 mantissa bits).
    static let doubleTable: [UInt16] = (0 ..< (1 << 16)).map { key in
        let sign = key >> 15, exponent = (key >> 4) & 0x7FF
        if exponent == 0x7FF { return 0 }
        let bits = UInt64(key) << 48 | (sign == 1 ? 0xFFFF_FFFF_FFFF : 0)
        return UInt16(referenceBucket(Double(bitPattern: bits)))
    }

    /// `limits` with the last one made infinite, so that `DBL_MAX` stays in the last bucket.
    static let doubleLimits: [Double] = limits.dropLast() + [Double.infinity]

    /// The bucket of a finite double.
    @inline(__always)
    static func bucket(_ x: Double, table: UnsafePointer<UInt16>, limits: UnsafePointer<Double>) -> Int {
        let j = Int(table[Int(x.bitPattern >> 48)])
        return j &+ (x >= limits[j] ? 1 : 0)
    }
}
