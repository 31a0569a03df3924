import CStrataKernels

extension SaturationBounds {
    /// `contains` for float32 values as two closed float intervals, `[a0, a1]` around `lo` and
    /// `[b0, b1]` around `hi`, so that the kernels compare floats eight at a time: for every float
    /// `x`, `contains(Double(x))` exactly when `x` lies in one of them. An empty interval is `[+∞, −∞]`.
    struct FloatBands: Sendable {
        let a0: Float, a1: Float, b0: Float, b1: Float

        /// 1 when `x` is in a band, else 0.
        @inline(__always)
        func count(_ x: Float) -> Int {
            ((x >= a0 ? 1 : 0) & (x <= a1 ? 1 : 0)) | ((x >= b0 ? 1 : 0) & (x <= b1 ? 1 : 0))
        }

        /// The same bands for the kernels (`strata_run_max_f32`).
        var kernelBands: strata_bands { strata_bands(a0: a0, a1: a1, b0: b0, b1: b1) }
    }

    var floatBands: FloatBands {
        let (a0, a1) = Self.floatInterval(around: lo), (b0, b1) = Self.floatInterval(around: hi)
        return FloatBands(a0: a0, a1: a1, b0: b0, b1: b1)
    }

    /// The floats `x` with `|Double(x) − b| ≤ tolerance`. They form an interval, because the distance
    /// computed in double never shrinks moving away from `b`; its ends are within a step or two of the
    /// floats nearest `b ∓ tolerance`.
    static func floatInterval(around b: Double) -> (Float, Float) {
        func inside(_ x: Float) -> Bool { x.isFinite && abs(Double(x) - b) <= tolerance }
        let largest = Double(Float.greatestFiniteMagnitude)
        guard b.isFinite, abs(b) <= largest + tolerance else { return (.infinity, -.infinity) }
        var lo = Float(Swift.max(b - tolerance, -largest)), hi = Float(Swift.min(b + tolerance, largest))
        for _ in 0 ..< 8 where inside(lo.nextDown) { lo = lo.nextDown }
        for _ in 0 ..< 8 where !inside(lo) && lo < hi { lo = lo.nextUp }
        for _ in 0 ..< 8 where inside(hi.nextUp) { hi = hi.nextUp }
        for _ in 0 ..< 8 where !inside(hi) && hi > lo { hi = hi.nextDown }
        guard inside(lo), inside(hi) else { return (.infinity, -.infinity) }
        return (lo, hi)
    }
}
