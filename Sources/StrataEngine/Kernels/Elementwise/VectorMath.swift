/// Float32 transcendental functions on 8 lanes at a time, for the activation kernels' fast path.
///
/// `exp` reduces `x = n·ln2 + r` with |r| ≤ ln2/2 (ln2 split in two parts so that `r` stays
/// exact), evaluates a degree-7 Taylor-style minimax polynomial (the Cephes `expf` coefficients)
/// and scales by 2ⁿ through the exponent bits; its error is within 2 ulp over the float range.
/// Inputs below -87 give 0 (see `minimumInput`), above 88.72 +∞; NaN stays NaN.
enum VectorMath {
    typealias Vector = SIMD8<Float>

    private static let log2e: Float = 1.44269504088896341
    private static let ln2High: Float = 0.693359375
    private static let ln2Low: Float = -2.12194440e-4
    /// exp(x) overflows above this.
    private static let maximumInput: Float = 88.7228391
    /// Below this exp(x) is within 5e-39 of the subnormal range, whose arithmetic is many
    /// times slower; such results are returned as 0.
    private static let minimumInput: Float = -87

    @inline(__always)
    static func exp(_ x: Vector) -> Vector {
        // Selects rather than `clamped`, whose NaN handling does not vectorise.
        var clamped = x.replacing(with: maximumInput, where: x .> maximumInput)
        clamped.replace(with: minimumInput, where: x .< minimumInput)
        // Round x·log2(e) to the nearest integer with the 1.5·2²³ trick: the integer lands in the low mantissa bits.
        let shifter = Vector(repeating: 12582912)
        // Fused multiply-adds (`addingProduct`): Swift does not contract `a * b + c` by itself.
        let shifted = shifter.addingProduct(clamped, Vector(repeating: log2e))
        let n = shifted - shifter
        var r = clamped.addingProduct(n, Vector(repeating: -ln2High))
        r = r.addingProduct(n, Vector(repeating: -ln2Low))
        var p = Vector(repeating: 1.9875691500e-4)
        p = Vector(repeating: 1.3981999507e-3).addingProduct(p, r)
        p = Vector(repeating: 8.3334519073e-3).addingProduct(p, r)
        p = Vector(repeating: 4.1665795894e-2).addingProduct(p, r)
        p = Vector(repeating: 1.6666665459e-1).addingProduct(p, r)
        p = Vector(repeating: 5.0000001201e-1).addingProduct(p, r)
        let r2 = r * r
        var y = (r + 1).addingProduct(p, r2)
        // 2ⁿ: n sits in the low bits of `shifted`; move it into the exponent field. n can reach
        // 128 near the top of the range, so the power is applied as two halves that both fit.
        let nBits = unsafeBitCast(shifted, to: SIMD8<Int32>.self) &- unsafeBitCast(shifter, to: SIMD8<Int32>.self)
        let half = nBits &>> 1
        let scale1 = unsafeBitCast((half &+ 127) &<< 23, to: Vector.self)
        let scale2 = unsafeBitCast((nBits &- half &+ 127) &<< 23, to: Vector.self)
        y = y * scale1 * scale2
        y.replace(with: Vector(repeating: .infinity), where: x .> maximumInput)
        y.replace(with: Vector(repeating: 0), where: x .< minimumInput)
        y.replace(with: x, where: x .!= x)
        return y
    }

    @inline(__always)
    static func sigmoid(_ x: Vector) -> Vector {
        1 / (1 + exp(-x))
    }

    /// tanh through `1 - 2 / (exp(2x) + 1)`, with a short odd series near 0 where that form
    /// would lose relative precision.
    @inline(__always)
    static func tanh(_ x: Vector) -> Vector {
        var y = 1 - 2 / (exp(x + x) + 1)
        let x2 = x * x
        var series = Vector(repeating: -17.0 / 315)
        series = series * x2 + Vector(repeating: 2.0 / 15)
        series = series * x2 + Vector(repeating: -1.0 / 3)
        series = (series * x2 + 1) * x
        y.replace(with: series, where: x2 .< 0.0025)
        y.replace(with: x, where: x .!= x)
        return y
    }

    /// erf by Abramowitz & Stegun 7.1.26 (absolute error below 1.5e-7), odd-extended. |x| is
    /// capped at 4, where erf is 1 in float32, so that the tail never produces subnormals.
    @inline(__always)
    static func erf(_ x: Vector) -> Vector {
        var a = abs(x)
        a.replace(with: 4, where: a .> 4)
        let t = 1 / (1 + 0.3275911 * a)
        var p = Vector(repeating: 1.061405429)
        p = p * t - 1.453152027
        p = p * t + 1.421413741
        p = p * t - 0.284496736
        p = p * t + 0.254829592
        let magnitude = 1 - p * t * exp(-(a * a))
        var y = magnitude
        y.replace(with: -magnitude, where: x .< 0)
        y.replace(with: x, where: x .!= x)
        return y
    }

    /// `log(1 + t)` for `t` in [0, 1]: `1 + t` is split into 2ᵏ·f with f in [√½, √2], log f comes
    /// from the Cephes `logf` polynomial in f - 1, and the rounding error of `1 + t` is added back
    /// to first order so that small `t` keeps its relative precision.
    @inline(__always)
    static func log1pUnit(_ t: Vector) -> Vector {
        let m = 1 + t
        let big = m .> 1.41421356
        let f = m.replacing(with: m * 0.5, where: big)
        let k = Vector(repeating: 0).replacing(with: 1, where: big)
        let z = f - 1
        let z2 = z * z
        var p = Vector(repeating: 7.0376836292e-2)
        p = p * z - 1.1514610310e-1
        p = p * z + 1.1676998740e-1
        p = p * z - 1.2420140846e-1
        p = p * z + 1.4249322787e-1
        p = p * z - 1.6668057665e-1
        p = p * z + 2.0000714765e-1
        p = p * z - 2.4999993993e-1
        p = p * z + 3.3333331174e-1
        var y = p * z * z2
        y = y + k * ln2Low - 0.5 * z2
        let correction = (t - (m - 1)) / m
        return z + y + k * ln2High + correction
    }

    /// `log(1 + eˣ)` as `max(x, 0) + log1p(e^-|x|)`, which neither overflows nor loses small results.
    @inline(__always)
    static func softplus(_ x: Vector) -> Vector {
        let positive = x.replacing(with: 0, where: x .< 0)
        var y = positive + log1pUnit(exp(-abs(x)))
        y.replace(with: x, where: x .!= x)
        return y
    }

    @inline(__always)
    static func mish(_ x: Vector) -> Vector {
        x * tanh(softplus(x))
    }

    /// `x·Φ(x)` with the exact normal CDF.
    @inline(__always)
    static func gelu(_ x: Vector) -> Vector {
        0.5 * x * (1 + erf(x * 0.7071067811865476))
    }

    /// `x·Φ(x)` with the tanh approximation of the normal CDF.
    @inline(__always)
    static func geluTanh(_ x: Vector) -> Vector {
        let cube = x * x * x
        let inner = 0.7978845608028654 * (x + 0.044715 * cube)
        return 0.5 * x * (1 + tanh(inner))
    }

    @inline(__always)
    private static func abs(_ x: Vector) -> Vector {
        unsafeBitCast(unsafeBitCast(x, to: SIMD8<UInt32>.self) & 0x7FFF_FFFF, to: Vector.self)
    }

    /// Applies `f` to `count` elements: full vectors, then the rest through a padded vector.
    @inline(__always)
    static func map(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ count: Int,
                    _ f: (Vector) -> Vector) {
        var i = 0
        let width = Vector.scalarCount
        while i + width <= count {
            let v = UnsafeRawPointer(x + i).loadUnaligned(as: Vector.self)
            UnsafeMutableRawPointer(y + i).storeBytes(of: f(v), as: Vector.self)
            i += width
        }
        if i < count {
            var v = Vector()
            for k in 0..<(count - i) { v[k] = x[i + k] }
            let r = f(v)
            for k in 0..<(count - i) { y[i + k] = r[k] }
        }
    }
}
