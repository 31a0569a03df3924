/// An element type `Cast` can write. Sources are read exactly as one of three wide values
/// (`Double` for floats, `Int64` for signed integers and bool, `UInt64` for unsigned), and each
/// target converts from those following ONNX `Cast` rules: floats round to nearest, floats to
/// integers truncate toward zero (NaN and out-of-range values give the x86 "integer
/// indefinite" value), integers wrap to narrower integers, anything nonzero is true.
protocol CastTarget: Sendable {
    init(castingDouble value: Double)
    init(castingInt64 value: Int64)
    init(castingUInt64 value: UInt64)
}

/// An element type `Cast` can read.
protocol CastSource: Sendable {
    func cast<T: CastTarget>(to type: T.Type) -> T
}

/// The integer a float truncates to, with NaN and out-of-range values mapped to `Int64.min`.
@inline(__always)
func truncatedInt64(_ value: Double) -> Int64 {
    guard value.isFinite, value > -9.2233720368547758e18 - 1024, value < 9.2233720368547758e18 else { return .min }
    return Int64(value)
}

extension CastTarget where Self: BinaryFloatingPoint {
    init(castingDouble value: Double) { self.init(value) }
    init(castingInt64 value: Int64) { self.init(value) }
    init(castingUInt64 value: UInt64) { self.init(value) }
}

extension CastTarget where Self: FixedWidthInteger {
    init(castingDouble value: Double) {
        if Self.self == UInt64.self, value >= 9.2233720368547758e18, value < 1.8446744073709552e19 {
            self.init(truncatingIfNeeded: UInt64(value))
        } else {
            self.init(truncatingIfNeeded: truncatedInt64(value))
        }
    }
    init(castingInt64 value: Int64) { self.init(truncatingIfNeeded: value) }
    init(castingUInt64 value: UInt64) { self.init(truncatingIfNeeded: value) }
}

extension CastSource where Self: BinaryFloatingPoint {
    func cast<T: CastTarget>(to type: T.Type) -> T { T(castingDouble: Double(self)) }
}

extension CastSource where Self: FixedWidthInteger & SignedInteger {
    func cast<T: CastTarget>(to type: T.Type) -> T { T(castingInt64: Int64(self)) }
}

extension CastSource where Self: FixedWidthInteger & UnsignedInteger {
    func cast<T: CastTarget>(to type: T.Type) -> T { T(castingUInt64: UInt64(self)) }
}

extension Float: CastSource, CastTarget {}
extension Double: CastSource, CastTarget {}
extension Float16: CastSource, CastTarget {}
extension Int8: CastSource, CastTarget {}
extension Int16: CastSource, CastTarget {}
extension Int32: CastSource, CastTarget {}
extension Int64: CastSource, CastTarget {}
extension UInt8: CastSource, CastTarget {}
extension UInt16: CastSource, CastTarget {}
extension UInt32: CastSource, CastTarget {}
extension UInt64: CastSource, CastTarget {}
