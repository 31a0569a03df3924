import StrataCore

/// One-element tensors of a given dtype from a number (fill values of Pad and Resize).
enum ScalarElement {
    /// `value` converted to `dtype` (rounded to nearest for floats, truncated toward zero and
    /// wrapped for integers, nonzero for bool).
    static func make(_ value: Double, dtype: DType) throws -> Tensor {
        let t = try Tensor(dtype: dtype, shape: [])
        let p = t.rawPointer
        func int() -> Int64 { value.isFinite ? Int64(Swift.max(Swift.min(value, 9.2e18), -9.2e18)) : 0 }
        switch dtype {
        case .float32: p.storeBytes(of: Float(value), as: Float.self)
        case .float64: p.storeBytes(of: value, as: Double.self)
        case .float16: p.storeBytes(of: Float16(Float(value)), as: Float16.self)
        case .bfloat16: p.storeBytes(of: bfloat16Bits(Float(value)), as: UInt16.self)
        case .int8: p.storeBytes(of: Int8(truncatingIfNeeded: int()), as: Int8.self)
        case .int16: p.storeBytes(of: Int16(truncatingIfNeeded: int()), as: Int16.self)
        case .int32: p.storeBytes(of: Int32(truncatingIfNeeded: int()), as: Int32.self)
        case .int64: p.storeBytes(of: int(), as: Int64.self)
        case .uint8: p.storeBytes(of: UInt8(truncatingIfNeeded: int()), as: UInt8.self)
        case .uint16: p.storeBytes(of: UInt16(truncatingIfNeeded: int()), as: UInt16.self)
        case .uint32: p.storeBytes(of: UInt32(truncatingIfNeeded: int()), as: UInt32.self)
        case .uint64: p.storeBytes(of: UInt64(truncatingIfNeeded: int()), as: UInt64.self)
        case .bool: p.storeBytes(of: UInt8(value != 0 ? 1 : 0), as: UInt8.self)
        case .float8e4m3fn, .float8e5m2, .float8e4m3fnuz, .float8e5m2fnuz, .float4e2m1, .int4, .uint4, .int2, .uint2:
            throw StrataError(.unsupported, "dtype \(dtype.rawValue) is not supported here")
        }
        return t
    }

    /// The bfloat16 bit pattern nearest to `value` (ties to even; NaN stays NaN).
    static func bfloat16Bits(_ value: Float) -> UInt16 {
        if value.isNaN { return 0x7FC0 }
        let bits = value.bitPattern
        return UInt16(truncatingIfNeeded: (bits &+ 0x7FFF &+ ((bits >> 16) & 1)) >> 16)
    }
}
