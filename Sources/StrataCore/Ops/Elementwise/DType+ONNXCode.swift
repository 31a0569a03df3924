/// Mapping between `DType` and the integer element-type codes of ONNX's `TensorProto.DataType`,
/// as used by attributes such as `Cast`'s `to`.
extension DType {
    /// The dtype with ONNX data-type code `code`, or nil for codes Strata has no dtype for
    /// (string, complex, float8e8m0, float6).
    public init?(onnxCode code: Int) {
        switch code {
        case 1: self = .float32
        case 2: self = .uint8
        case 3: self = .int8
        case 4: self = .uint16
        case 5: self = .int16
        case 6: self = .int32
        case 7: self = .int64
        case 9: self = .bool
        case 10: self = .float16
        case 11: self = .float64
        case 12: self = .uint32
        case 13: self = .uint64
        case 16: self = .bfloat16
        case 17: self = .float8e4m3fn
        case 18: self = .float8e4m3fnuz
        case 19: self = .float8e5m2
        case 20: self = .float8e5m2fnuz
        case 21: self = .uint4
        case 22: self = .int4
        case 23: self = .float4e2m1
        case 25: self = .uint2
        case 26: self = .int2
        default: return nil
        }
    }

    /// The ONNX data-type code of this dtype.
    public var onnxCode: Int {
        switch self {
        case .float32: return 1
        case .uint8: return 2
        case .int8: return 3
        case .uint16: return 4
        case .int16: return 5
        case .int32: return 6
        case .int64: return 7
        case .bool: return 9
        case .float16: return 10
        case .float64: return 11
        case .uint32: return 12
        case .uint64: return 13
        case .bfloat16: return 16
        case .float8e4m3fn: return 17
        case .float8e4m3fnuz: return 18
        case .float8e5m2: return 19
        case .float8e5m2fnuz: return 20
        case .uint4: return 21
        case .int4: return 22
        case .float4e2m1: return 23
        case .uint2: return 25
        case .int2: return 26
        }
    }
}
