/// Element type of a tensor. Raw values are the names Strata prints and writes to manifests.
public enum DType: String, Sendable, CaseIterable, Hashable, Codable {
    case float32, float64, float16, bfloat16
    case int8, int16, int32, int64
    case uint8, uint16, uint32, uint64
    case bool
    /// Low-bit types held one element per byte (see `DType.isLowBit`): the 8-bit floats
    /// E4M3FN (no infinities) and E5M2, their FNUZ variants (no infinities, no negative zero, one
    /// NaN), the 4-bit float E2M1 (bit pattern in the low bits), and the 4- and 2-bit integers (the
    /// value itself, as int8 or uint8).
    case float8e4m3fn, float8e5m2, float4e2m1
    case float8e4m3fnuz, float8e5m2fnuz
    case int4, uint4, int2, uint2

    /// Bytes per element.
    public var byteSize: Int {
        switch self {
        case .int8, .uint8, .bool: return 1
        case .float8e4m3fn, .float8e5m2, .float8e4m3fnuz, .float8e5m2fnuz, .float4e2m1, .int4, .uint4, .int2, .uint2: return 1
        case .float16, .bfloat16, .int16, .uint16: return 2
        case .float32, .int32, .uint32: return 4
        case .float64, .int64, .uint64: return 8
        }
    }

    /// Bits per element as ONNX counts them (BitCast's rule): a low-bit type's own width, though
    /// Strata holds each element in a byte.
    public var bitWidth: Int {
        switch self {
        case .float4e2m1, .int4, .uint4: return 4
        case .int2, .uint2: return 2
        default: return byteSize * 8
        }
    }

    /// Whether this is one of the low-bit types (float8, float4, 4- and 2-bit integers). Only
    /// the ONNX importer and exporter, QuantizeLinear, DequantizeLinear, `.npy` writing and the type
    /// rules know them; they are neither `isFloatingPoint` nor `isInteger`, and the engine refuses
    /// every other op that meets one.
    public var isLowBit: Bool {
        switch self {
        case .float8e4m3fn, .float8e5m2, .float8e4m3fnuz, .float8e5m2fnuz, .float4e2m1, .int4, .uint4, .int2, .uint2: return true
        default: return false
        }
    }

    public var isFloatingPoint: Bool {
        switch self {
        case .float32, .float64, .float16, .bfloat16: return true
        default: return false
        }
    }

    public var isInteger: Bool {
        switch self {
        case .int8, .int16, .int32, .int64, .uint8, .uint16, .uint32, .uint64: return true
        default: return false
        }
    }

    public var isSigned: Bool {
        switch self {
        case .int8, .int16, .int32, .int64, .float16, .bfloat16, .float32, .float64: return true
        case .float8e4m3fn, .float8e5m2, .float8e4m3fnuz, .float8e5m2fnuz, .float4e2m1, .int4, .int2: return true
        default: return false
        }
    }
}
