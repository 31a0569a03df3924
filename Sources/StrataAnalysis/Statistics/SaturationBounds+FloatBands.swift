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

        /// How many of `x[0 ..< n]`, clamped by `clamp`, are in a band.
        @inline(__always)
        func count(_ x: UnsafePointer<Float>, _ n: Int, through clamp: ClampBounds = .none) -> Int {
            let raw = UnsafeRawPointer(x)
            let a0v = SIMD8<Float>(repeating: a0), a1v = SIMD8<Float>(repeating: a1)
            let b0v = SIMD8<Float>(repeating: b0), b1v = SIMD8<Float>(repeating: b1)
            let one = SIMD8<Int32>(repeating: 1), none = SIMD8<Int32>()
            var lanes = SIMD8<Int32>()
            var i = 0
            while i + 8 <= n {
                let v = clamp.apply(raw.loadUnaligned(fromByteOffset: i &* 4, as: SIMD8<Float>.self))
                let inside = (v .>= a0v) .& (v .<= a1v) .| (v .>= b0v) .& (v .<= b1v)
                lanes &+= none.replacing(with: one, where: inside)
                i += 8
            }
            var total = Int(lanes.wrappedSum())
            while i < n {
                total &+= count(clamp.apply(x[i]))
                i += 1
            }
            return total
        }
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
