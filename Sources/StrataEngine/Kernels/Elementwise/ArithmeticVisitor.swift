import StrataCore

/// Runs generic code with the Swift element type of a dtype.
protocol ArithmeticVisitor {
    associatedtype Result
    func visit<T: ArithmeticElement>(_ type: T.Type) throws -> Result
}

extension ArithmeticVisitor {
    /// Calls `visit` with `dtype`'s element type; bool is visited as `UInt8`. Half-precision
    /// dtypes must be widened by the caller; they are reported as unsupported here.
    func dispatch(_ dtype: DType) throws -> Result {
        switch dtype {
        case .float32: return try visit(Float.self)
        case .float64: return try visit(Double.self)
        case .int8: return try visit(Int8.self)
        case .int16: return try visit(Int16.self)
        case .int32: return try visit(Int32.self)
        case .int64: return try visit(Int64.self)
        case .uint8, .bool: return try visit(UInt8.self)
        case .uint16: return try visit(UInt16.self)
        case .uint32: return try visit(UInt32.self)
        case .uint64: return try visit(UInt64.self)
        case .float16, .bfloat16, .float8e4m3fn, .float8e5m2, .float8e4m3fnuz, .float8e5m2fnuz, .float4e2m1, .int4, .uint4, .int2, .uint2:
            throw StrataError(.unsupported, "dtype \(dtype.rawValue) is not supported here")
        }
    }
}
