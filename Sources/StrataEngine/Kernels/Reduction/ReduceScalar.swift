import CStrataKernels
import Foundation

/// An element type the reduction-family kernels compute in: float32, float64 or int64
/// (narrower types are widened first, see `NumericStaging`). Integer arithmetic wraps.
protocol ReduceScalar: Comparable, Sendable {
    static var zero: Self { get }
    static var one: Self { get }
    /// The identity of max: -infinity, or the smallest integer.
    static var lowest: Self { get }
    /// The identity of min: +infinity, or the largest integer.
    static var highest: Self { get }
    static func plus(_ a: Self, _ b: Self) -> Self
    static func minus(_ a: Self, _ b: Self) -> Self
    static func times(_ a: Self, _ b: Self) -> Self
    var absolute: Self { get }
    /// `self / n`; for integers truncated, and 0 when `n` is 0.
    func divided(by n: Int) -> Self
    /// The square root (for integers, of the value as a double, truncated).
    var squareRoot: Self { get }
}

/// The floating-point element types, for the ops defined only on them (softmax, log-sum-exp).
protocol ReduceFloat: ReduceScalar, BinaryFloatingPoint {
    var exponential: Self { get }
    var logarithm: Self { get }
    func power(_ exponent: Self) -> Self
    /// Replaces each of `count` values at `p` by its exponential.
    static func exponentiate(_ p: UnsafeMutablePointer<Self>, count: Int)
    /// The largest of `count` values at `p` (NaN when any is NaN is not guaranteed); `count` > 0.
    static func maximum(_ p: UnsafePointer<Self>, count: Int) -> Self
    /// The sum of `count` values at `p`, in any order.
    static func total(_ p: UnsafePointer<Self>, count: Int) -> Self
}

extension Float: ReduceFloat {
    static var zero: Float { 0 }
    static var one: Float { 1 }
    static var lowest: Float { -.infinity }
    static var highest: Float { .infinity }
    @inline(__always) static func plus(_ a: Float, _ b: Float) -> Float { a + b }
    @inline(__always) static func minus(_ a: Float, _ b: Float) -> Float { a - b }
    @inline(__always) static func times(_ a: Float, _ b: Float) -> Float { a * b }
    var absolute: Float { abs(self) }
    func divided(by n: Int) -> Float { self / Float(n) }
    var squareRoot: Float { self.squareRoot() }
    var exponential: Float { Foundation.exp(self) }
    var logarithm: Float { Foundation.log(self) }
    func power(_ exponent: Float) -> Float { Foundation.pow(self, exponent) }
    static func exponentiate(_ p: UnsafeMutablePointer<Float>, count: Int) {
        strata_unary(Int32(STRATA_UNARY_EXP.rawValue), p, p, count)
    }
    static func maximum(_ p: UnsafePointer<Float>, count: Int) -> Float { VectorLoops.maximum(p, count: count) }
    static func total(_ p: UnsafePointer<Float>, count: Int) -> Float { VectorLoops.total(p, count: count) }
}

extension Double: ReduceFloat {
    static var zero: Double { 0 }
    static var one: Double { 1 }
    static var lowest: Double { -.infinity }
    static var highest: Double { .infinity }
    @inline(__always) static func plus(_ a: Double, _ b: Double) -> Double { a + b }
    @inline(__always) static func minus(_ a: Double, _ b: Double) -> Double { a - b }
    @inline(__always) static func times(_ a: Double, _ b: Double) -> Double { a * b }
    var absolute: Double { abs(self) }
    func divided(by n: Int) -> Double { self / Double(n) }
    var squareRoot: Double { self.squareRoot() }
    var exponential: Double { Foundation.exp(self) }
    var logarithm: Double { Foundation.log(self) }
    func power(_ exponent: Double) -> Double { Foundation.pow(self, exponent) }
    static func exponentiate(_ p: UnsafeMutablePointer<Double>, count: Int) {
        for i in 0..<count { p[i] = Foundation.exp(p[i]) }
    }
    static func maximum(_ p: UnsafePointer<Double>, count: Int) -> Double {
        var m = p[0]
        for i in 1..<count where p[i] > m { m = p[i] }
        return m
    }
    static func total(_ p: UnsafePointer<Double>, count: Int) -> Double {
        var s = 0.0
        for i in 0..<count { s += p[i] }
        return s
    }
}

extension Int64: ReduceScalar {
    static var one: Int64 { 1 }
    static var lowest: Int64 { .min }
    static var highest: Int64 { .max }
    @inline(__always) static func plus(_ a: Int64, _ b: Int64) -> Int64 { a &+ b }
    @inline(__always) static func minus(_ a: Int64, _ b: Int64) -> Int64 { a &- b }
    @inline(__always) static func times(_ a: Int64, _ b: Int64) -> Int64 { a &* b }
    var absolute: Int64 { self < 0 ? 0 &- self : self }
    func divided(by n: Int) -> Int64 { n == 0 ? 0 : self / Int64(n) }
    var squareRoot: Int64 { Int64(Double(self).squareRoot()) }
}

/// One associative reduction: what each element contributes (`pre`) and how contributions combine.
protocol Reducer {
    associatedtype T: ReduceScalar
    static var identity: T { get }
    static func pre(_ x: T) -> T
    static func combine(_ a: T, _ b: T) -> T
}

enum SumReducer<T: ReduceScalar>: Reducer {
    static var identity: T { .zero }
    @inline(__always) static func pre(_ x: T) -> T { x }
    @inline(__always) static func combine(_ a: T, _ b: T) -> T { T.plus(a, b) }
}

enum AbsSumReducer<T: ReduceScalar>: Reducer {
    static var identity: T { .zero }
    @inline(__always) static func pre(_ x: T) -> T { x.absolute }
    @inline(__always) static func combine(_ a: T, _ b: T) -> T { T.plus(a, b) }
}

enum SquareSumReducer<T: ReduceScalar>: Reducer {
    static var identity: T { .zero }
    @inline(__always) static func pre(_ x: T) -> T { T.times(x, x) }
    @inline(__always) static func combine(_ a: T, _ b: T) -> T { T.plus(a, b) }
}

enum ProdReducer<T: ReduceScalar>: Reducer {
    static var identity: T { .one }
    @inline(__always) static func pre(_ x: T) -> T { x }
    @inline(__always) static func combine(_ a: T, _ b: T) -> T { T.times(a, b) }
}

enum MaxReducer<T: ReduceScalar>: Reducer {
    static var identity: T { .lowest }
    @inline(__always) static func pre(_ x: T) -> T { x }
    // NaN propagates: a comparison with NaN is false, so NaN wins either way round.
    @inline(__always) static func combine(_ a: T, _ b: T) -> T { a >= b || a != a ? a : b }
}

enum MinReducer<T: ReduceScalar>: Reducer {
    static var identity: T { .highest }
    @inline(__always) static func pre(_ x: T) -> T { x }
    @inline(__always) static func combine(_ a: T, _ b: T) -> T { a <= b || a != a ? a : b }
}

/// Max over the finite elements only (infinities count as -infinity): the shift that keeps
/// log-sum-exp from overflowing.
enum FiniteMaxReducer<T: ReduceFloat>: Reducer {
    static var identity: T { .lowest }
    @inline(__always) static func pre(_ x: T) -> T { x.isFinite ? x : .lowest }
    @inline(__always) static func combine(_ a: T, _ b: T) -> T { a >= b ? a : b }
}
