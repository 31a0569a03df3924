/// An element type the arithmetic, comparison and min/max kernels work on directly: `Float`,
/// `Double` and the eight fixed-width integers. Integer arithmetic wraps on overflow and integer
/// division truncates toward zero, like C; callers check for zero divisors before dividing.
protocol ArithmeticElement: Comparable, Sendable, CastSource, CastTarget {
    static func add(_ x: Self, _ y: Self) -> Self
    static func subtract(_ x: Self, _ y: Self) -> Self
    static func multiply(_ x: Self, _ y: Self) -> Self
    static func divide(_ x: Self, _ y: Self) -> Self
    /// The smaller of `x` and `y`; NaN if either is NaN.
    static func minimum(_ x: Self, _ y: Self) -> Self
    /// The larger of `x` and `y`; NaN if either is NaN.
    static func maximum(_ x: Self, _ y: Self) -> Self
    static func power(_ x: Self, _ y: Self) -> Self
    /// `x - trunc(x / y) * y`: the sign of `x` (C `fmod` / `%`).
    static func truncatedRemainder(_ x: Self, _ y: Self) -> Self
    /// `x - floor(x / y) * y`: the sign of `y` (Python `%`).
    static func flooredRemainder(_ x: Self, _ y: Self) -> Self
    static var zero: Self { get }
}

extension ArithmeticElement where Self: FixedWidthInteger {
    static func add(_ x: Self, _ y: Self) -> Self { x &+ y }
    static func subtract(_ x: Self, _ y: Self) -> Self { x &- y }
    static func multiply(_ x: Self, _ y: Self) -> Self { x &* y }
    static func divide(_ x: Self, _ y: Self) -> Self { x.dividedReportingOverflow(by: y).partialValue }
    static func minimum(_ x: Self, _ y: Self) -> Self { Swift.min(x, y) }
    static func maximum(_ x: Self, _ y: Self) -> Self { Swift.max(x, y) }
    static var zero: Self { 0 }

    static func truncatedRemainder(_ x: Self, _ y: Self) -> Self { x.remainderReportingOverflow(dividingBy: y).partialValue }

    static func flooredRemainder(_ x: Self, _ y: Self) -> Self {
        let r = truncatedRemainder(x, y)
        return r != 0 && (r < 0) != (y < 0) ? r &+ y : r
    }

    /// `x` to the integer power `y` by repeated squaring, wrapping on overflow; a negative `y`
    /// gives the truncated reciprocal (0 unless `x` is 1 or -1).
    static func power(_ x: Self, _ y: Self) -> Self {
        if y < 0 {
            if x == 1 { return 1 }
            if Self.isSigned && x == 0 &- 1 { return y & 1 == 0 ? 1 : x }
            return 0
        }
        var result: Self = 1, base = x, exponent = y
        while exponent != 0 {
            if exponent & 1 == 1 { result = result &* base }
            base = base &* base
            exponent >>= 1
        }
        return result
    }
}

extension ArithmeticElement where Self: BinaryFloatingPoint {
    static func add(_ x: Self, _ y: Self) -> Self { x + y }
    static func subtract(_ x: Self, _ y: Self) -> Self { x - y }
    static func multiply(_ x: Self, _ y: Self) -> Self { x * y }
    static func divide(_ x: Self, _ y: Self) -> Self { x / y }
    static func minimum(_ x: Self, _ y: Self) -> Self { x.isNaN || y.isNaN ? .nan : (y < x ? y : x) }
    static func maximum(_ x: Self, _ y: Self) -> Self { x.isNaN || y.isNaN ? .nan : (y > x ? y : x) }

    static func truncatedRemainder(_ x: Self, _ y: Self) -> Self { x.truncatingRemainder(dividingBy: y) }

    /// A zero result takes the sign of `y`; an infinite `y` of the other sign than a finite `x` is returned as is.
    static func flooredRemainder(_ x: Self, _ y: Self) -> Self {
        let r = x.truncatingRemainder(dividingBy: y)
        if r == 0 { return y.sign == .minus ? -0.0 : 0 }
        return (r < 0) != (y < 0) ? r + y : r
    }
}

extension Float {
    static func power(_ x: Float, _ y: Float) -> Float { Float.pow(x, y) }
}

extension Double {
    static func power(_ x: Double, _ y: Double) -> Double { Double.pow(x, y) }
}

extension Int8: ArithmeticElement {}
extension Int16: ArithmeticElement {}
extension Int32: ArithmeticElement {}
extension Int64: ArithmeticElement {}
extension UInt8: ArithmeticElement {}
extension UInt16: ArithmeticElement {}
extension UInt32: ArithmeticElement {}
extension UInt64: ArithmeticElement {}
