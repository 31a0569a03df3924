import Foundation

/// The floating-point element types elementwise kernels compute in (`Float`, `Double`); half
/// precision tensors are widened to `Float` first. Gathers the libm functions the kernels need
/// under one generic name.
protocol ElementwiseFloat: BinaryFloatingPoint, ArithmeticElement {
    static func exp(_ x: Self) -> Self
    static func expm1(_ x: Self) -> Self
    static func log(_ x: Self) -> Self
    static func log1p(_ x: Self) -> Self
    static func sin(_ x: Self) -> Self
    static func cos(_ x: Self) -> Self
    static func tanh(_ x: Self) -> Self
    static func erf(_ x: Self) -> Self
    static func pow(_ x: Self, _ y: Self) -> Self
    init(_ value: Float)
}

extension Float: ElementwiseFloat {
    static func exp(_ x: Float) -> Float { Foundation.expf(x) }
    static func expm1(_ x: Float) -> Float { Foundation.expm1f(x) }
    static func log(_ x: Float) -> Float { Foundation.logf(x) }
    static func log1p(_ x: Float) -> Float { Foundation.log1pf(x) }
    static func sin(_ x: Float) -> Float { Foundation.sinf(x) }
    static func cos(_ x: Float) -> Float { Foundation.cosf(x) }
    static func tanh(_ x: Float) -> Float { Foundation.tanhf(x) }
    static func erf(_ x: Float) -> Float { Foundation.erff(x) }
    static func pow(_ x: Float, _ y: Float) -> Float { Foundation.powf(x, y) }
}

extension Double: ElementwiseFloat {
    static func exp(_ x: Double) -> Double { Foundation.exp(x) }
    static func expm1(_ x: Double) -> Double { Foundation.expm1(x) }
    static func log(_ x: Double) -> Double { Foundation.log(x) }
    static func log1p(_ x: Double) -> Double { Foundation.log1p(x) }
    static func sin(_ x: Double) -> Double { Foundation.sin(x) }
    static func cos(_ x: Double) -> Double { Foundation.cos(x) }
    static func tanh(_ x: Double) -> Double { Foundation.tanh(x) }
    static func erf(_ x: Double) -> Double { Foundation.erf(x) }
    static func pow(_ x: Double, _ y: Double) -> Double { Foundation.pow(x, y) }
}
