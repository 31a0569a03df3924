import StrataCore

extension DType {
    /// Whether every value of this type is exactly a `Float` (so statistics can run in float32).
    var isExactInFloat: Bool {
        switch self {
        case .float32, .float16, .bfloat16, .int8, .uint8, .int16, .uint16, .bool: return true
        case .float8e4m3fn, .float8e5m2, .float8e4m3fnuz, .float8e5m2fnuz, .float4e2m1, .int4, .uint4, .int2, .uint2: return true
        case .float64, .int32, .int64, .uint32, .uint64: return false
        }
    }
}
