/// Reductions of a contiguous run of float32 values, eight lanes at a time.
enum ChannelReduction {
    /// The sum in double precision (each value converted exactly, eight partial sums).
    @inline(__always)
    static func sum(_ x: UnsafePointer<Float>, _ n: Int) -> Double {
        let raw = UnsafeRawPointer(x)
        var a = SIMD4<Double>(), b = SIMD4<Double>()
        var i = 0
        while i + 8 <= n {
            let v = raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
            a += SIMD4<Double>(v.lowHalf)
            b += SIMD4<Double>(v.highHalf)
            i += 8
        }
        var total = (a + b).sum()
        while i < n {
            total += Double(x[i])
            i += 1
        }
        return total
    }

    /// The maximum as numpy computes it: NaN when any value is NaN; −∞ for an empty run.
    @inline(__always)
    static func max(_ x: UnsafePointer<Float>, _ n: Int) -> Float {
        let raw = UnsafeRawPointer(x)
        var m = SIMD8<Float>(repeating: -.infinity)
        var nan = SIMDMask<SIMD8<Int32>>(repeating: false)
        var i = 0
        while i + 8 <= n {
            let v = raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
            m.replace(with: v, where: v .> m)
            nan .|= v .!= v
            i += 8
        }
        if any(nan) { return .nan }
        var best = m.max()
        while i < n {
            let v = x[i]
            if v != v { return .nan }
            if v > best { best = v }
            i += 1
        }
        return best
    }
}
