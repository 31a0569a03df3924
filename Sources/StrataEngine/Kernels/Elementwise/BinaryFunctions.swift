import CStrataKernels

/// The elementwise binary functions, one type each (see `BinaryFunction`).
enum AddFunction<T: ArithmeticElement>: BinaryFunction {
    static var float32Operation: strata_binary_op? { T.self == Float.self ? STRATA_BINARY_ADD : nil }
    @inline(__always) static func apply(_ x: T, _ y: T) -> T { T.add(x, y) }
}

enum SubtractFunction<T: ArithmeticElement>: BinaryFunction {
    static var float32Operation: strata_binary_op? { T.self == Float.self ? STRATA_BINARY_SUBTRACT : nil }
    @inline(__always) static func apply(_ x: T, _ y: T) -> T { T.subtract(x, y) }
}

enum MultiplyFunction<T: ArithmeticElement>: BinaryFunction {
    static var float32Operation: strata_binary_op? { T.self == Float.self ? STRATA_BINARY_MULTIPLY : nil }
    @inline(__always) static func apply(_ x: T, _ y: T) -> T { T.multiply(x, y) }
}

enum DivideFunction<T: ArithmeticElement>: BinaryFunction {
    static var float32Operation: strata_binary_op? { T.self == Float.self ? STRATA_BINARY_DIVIDE : nil }
    @inline(__always) static func apply(_ x: T, _ y: T) -> T { T.divide(x, y) }
}

enum PowerFunction<T: ArithmeticElement>: BinaryFunction {
    @inline(__always) static func apply(_ x: T, _ y: T) -> T { T.power(x, y) }
}

enum TruncatedRemainderFunction<T: ArithmeticElement>: BinaryFunction {
    @inline(__always) static func apply(_ x: T, _ y: T) -> T { T.truncatedRemainder(x, y) }
}

enum FlooredRemainderFunction<T: ArithmeticElement>: BinaryFunction {
    @inline(__always) static func apply(_ x: T, _ y: T) -> T { T.flooredRemainder(x, y) }
}

enum MinimumFunction<T: ArithmeticElement>: BinaryFunction {
    @inline(__always) static func apply(_ x: T, _ y: T) -> T { T.minimum(x, y) }
}

enum MaximumFunction<T: ArithmeticElement>: BinaryFunction {
    @inline(__always) static func apply(_ x: T, _ y: T) -> T { T.maximum(x, y) }
}

/// `x` where it is not negative, `slope * x` where it is.
enum PReluFunction<T: ArithmeticElement>: BinaryFunction {
    @inline(__always) static func apply(_ x: T, _ slope: T) -> T { x < T.zero ? T.multiply(x, slope) : x }
}

enum EqualFunction<T: ArithmeticElement>: BinaryFunction {
    @inline(__always) static func apply(_ x: T, _ y: T) -> UInt8 { x == y ? 1 : 0 }
}

enum LessFunction<T: ArithmeticElement>: BinaryFunction {
    @inline(__always) static func apply(_ x: T, _ y: T) -> UInt8 { x < y ? 1 : 0 }
}

enum GreaterFunction<T: ArithmeticElement>: BinaryFunction {
    @inline(__always) static func apply(_ x: T, _ y: T) -> UInt8 { x > y ? 1 : 0 }
}

enum LessOrEqualFunction<T: ArithmeticElement>: BinaryFunction {
    @inline(__always) static func apply(_ x: T, _ y: T) -> UInt8 { x <= y ? 1 : 0 }
}

enum GreaterOrEqualFunction<T: ArithmeticElement>: BinaryFunction {
    @inline(__always) static func apply(_ x: T, _ y: T) -> UInt8 { x >= y ? 1 : 0 }
}

/// Bool elements are bytes; any nonzero byte counts as true.
enum AndFunction: BinaryFunction {
    @inline(__always) static func apply(_ x: UInt8, _ y: UInt8) -> UInt8 { x != 0 && y != 0 ? 1 : 0 }
}

enum OrFunction: BinaryFunction {
    @inline(__always) static func apply(_ x: UInt8, _ y: UInt8) -> UInt8 { x != 0 || y != 0 ? 1 : 0 }
}

enum XorFunction: BinaryFunction {
    @inline(__always) static func apply(_ x: UInt8, _ y: UInt8) -> UInt8 { (x != 0) != (y != 0) ? 1 : 0 }
}
