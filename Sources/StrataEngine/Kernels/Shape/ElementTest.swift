import StrataCore

/// Which elements of a tensor count as nonzero ("true"), by value: `-0.0` is zero and NaN is
/// nonzero, as in ONNX's NonZero and Compress.
enum ElementTest {
    static func nonzero(_ t: Tensor) -> [Bool] {
        let p = t.rawPointer
        let n = t.count
        switch t.dtype {
        case .float32: return (0..<n).map { p.load(fromByteOffset: 4 * $0, as: Float.self) != 0 }
        case .float64: return (0..<n).map { p.load(fromByteOffset: 8 * $0, as: Double.self) != 0 }
        case .float16: return (0..<n).map { p.load(fromByteOffset: 2 * $0, as: Float16.self) != 0 }
        case .bfloat16: return (0..<n).map { p.load(fromByteOffset: 2 * $0, as: UInt16.self) & 0x7FFF != 0 }
        case .int8, .uint8, .bool: return (0..<n).map { p.load(fromByteOffset: $0, as: UInt8.self) != 0 }
        case .int16, .uint16: return (0..<n).map { p.load(fromByteOffset: 2 * $0, as: UInt16.self) != 0 }
        case .int32, .uint32: return (0..<n).map { p.load(fromByteOffset: 4 * $0, as: UInt32.self) != 0 }
        case .int64, .uint64: return (0..<n).map { p.load(fromByteOffset: 8 * $0, as: UInt64.self) != 0 }
        case .float8e4m3fn, .float8e5m2, .float8e4m3fnuz, .float8e5m2fnuz, .float4e2m1, .int4, .uint4, .int2, .uint2: return (0..<n).map { t.doubleValue(at: $0) != 0 }
        }
    }
}
