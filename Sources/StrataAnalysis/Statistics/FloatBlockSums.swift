/// The vector part of a float32 block pass (`StatisticsScratch.floatBlock`): sums of `d = x − K` and
/// `d²` in double with `K` the block's first value, the range, zeros and negatives. Eight values at a
/// time, then, after `reduce()`, one at a time for the block's tail, in that order, so that the sums
/// round the same way whichever pass uses them.
///
/// Its methods are `@_transparent`: a pass that keeps two of these (`floatBlockPair`) got one `add`
/// as a call with `@inline(__always)`, its sums then going through memory, which made that pass
/// twice as slow.
struct FloatBlockSums {
    private let shift: Double
    private let shiftLanes: SIMD4<Double>
    private var d0 = SIMD4<Double>(), d1 = SIMD4<Double>(), q0 = SIMD4<Double>(), q1 = SIMD4<Double>()
    private var lo = SIMD8<Float>(repeating: .infinity), hi = SIMD8<Float>(repeating: -.infinity)
    private var zeroLanes = SIMD8<Int32>(), negativeLanes = SIMD8<Int32>()

    private(set) var deviation = 0.0, squares = 0.0
    private(set) var low = Float.infinity, high = -Float.infinity
    private(set) var zeros = 0, negatives = 0

    @inline(__always)
    init(shift: Float) {
        self.shift = Double(shift)
        shiftLanes = SIMD4(repeating: self.shift)
    }

    @_transparent
    mutating func add(_ v: SIMD8<Float>) {
        let a = SIMD4<Double>(v.lowHalf) - shiftLanes, b = SIMD4<Double>(v.highHalf) - shiftLanes
        d0 += a
        d1 += b
        q0 += a * a
        q1 += b * b
        lo.replace(with: v, where: v .< lo)
        hi.replace(with: v, where: v .> hi)
        let one = SIMD8<Int32>(repeating: 1), none = SIMD8<Int32>()
        zeroLanes &+= none.replacing(with: one, where: v .== 0)
        negativeLanes &+= none.replacing(with: one, where: v .< 0)
    }

    /// Folds the lanes into the scalar totals; call once, after the last `add` of a vector.
    @_transparent
    mutating func reduce() {
        deviation = (d0 + d1).sum()
        squares = (q0 + q1).sum()
        low = lo.min()
        high = hi.max()
        zeros = Int(zeroLanes.wrappedSum())
        negatives = Int(negativeLanes.wrappedSum())
    }

    @_transparent
    mutating func add(_ v: Float) {
        let d = Double(v) - shift
        deviation += d
        squares += d * d
        if v < low { low = v }
        if v > high { high = v }
        if v == 0 { zeros += 1 }
        if v < 0 { negatives += 1 }
    }

    /// False when a value was NaN or ±∞ (finite floats cannot overflow the sums).
    var isFinite: Bool { deviation.isFinite && squares.isFinite }

    /// The block's moments (`m2 = Σd² − (Σd)²/n`, whose relative error is at most about `n·ε` because
    /// `(x₀ − mean)²` never exceeds `n` times the variance).
    func moments(_ n: Int) -> Moments {
        let count = Double(n)
        return Moments(n: n, mean: shift + deviation / count, m2: Swift.max(squares - deviation * deviation / count, 0))
    }
}
