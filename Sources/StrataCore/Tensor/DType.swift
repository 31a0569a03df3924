/// Element type of a tensor. Raw values are the names Strata prints and writes to manifests.
public enum DType: String, Sendable, CaseIterable, Hashable, Codable {
    case float32, float64, float16, bfloat16
    case int8, int16, int32, int64
    case uint8, uint16, uint32, uint64
    case bool

    /// Bytes per element.
    public var byteSize: Int {
        switch self {
        case .int8, .uint8, .bool: return 1
        case .float16, .bfloat16, .int16, .uint16: return 2
        case .float32, .int32, .uint32: return 4
        case .float64, .int64, .uint64: return 8
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
        default: return false
        }
    }
}
