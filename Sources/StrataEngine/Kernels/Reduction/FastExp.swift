/// `e^x` for float32, eight lanes at a time: range reduction by ln 2 and a degree-6 polynomial
/// (the classic single-precision minimax coefficients), within 2 ulp of `expf` over the range
/// where the result is a normal float. Inputs are clamped to `-87.3...88.3`, so results never
/// overflow to infinity or underflow below the smallest normal float; NaN stays NaN.
enum FastExp {
    private static let upper: Float = 88.3762626647949
    private static let lower: Float = -87.3365478515625
    private static let log2e: Float = 1.44269504088896341
    private static let ln2High: Float = 0.693359375
    private static let ln2Low: Float = -2.12194440e-4
    // 1.5 * 2^23: adding it rounds a float in ±2^22 to an integer held in the low mantissa bits.
    private static let magic: Float = 12582912

    @inline(__always)
    static func exp(_ v: SIMD8<Float>) -> SIMD8<Float> {
        var x = v.replacing(with: upper, where: v .> upper)
        x = x.replacing(with: lower, where: x .< lower)
        let t = x * log2e + magic
        let n = t - magic
        let r = x - n * ln2High - n * ln2Low
        var p = SIMD8<Float>(repeating: 1.9875691500e-4)
        p = p * r + 1.3981999507e-3
        p = p * r + 8.3334519073e-3
        p = p * r + 4.1665795894e-2
        p = p * r + 1.6666665459e-1
        p = p * r + 5.0000001201e-1
        let y = p * (r * r) + r + 1
        let exponent = unsafeBitCast(t, to: SIMD8<UInt32>.self) &- magic.bitPattern &+ 127
        return y * unsafeBitCast(exponent &<< 23, to: SIMD8<Float>.self)
    }

    /// Replaces each of `count` values at `p` by its exponential.
    static func apply(_ p: UnsafeMutablePointer<Float>, count: Int) {
        var i = 0
        let raw = UnsafeMutableRawPointer(p)
        while i + 8 <= count {
            let v = raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
            raw.storeBytes(of: exp(v), toByteOffset: i * 4, as: SIMD8<Float>.self)
            i += 8
        }
        if i < count {
            var v = SIMD8<Float>(repeating: 0)
            for k in 0..<(count - i) { v[k] = p[i + k] }
            let e = exp(v)
            for k in 0..<(count - i) { p[i + k] = e[k] }
        }
    }
}
