import StrataCore

/// The NumPy type string (`descr`) of an `.npy` file: byte order, kind and size, e.g. `<f4`.
///
/// Strata writes little-endian descriptors (`|` for one-byte types, as NumPy does) and reads both
/// byte orders.
public struct NPYDescriptor: Hashable, Sendable, CustomStringConvertible {
    public var dtype: DType
    /// True when the file's elements are big-endian (`>`), so they must be byte-swapped on read.
    public var bigEndian: Bool

    public init(dtype: DType, bigEndian: Bool = false) {
        self.dtype = dtype
        self.bigEndian = bigEndian
    }

    /// The descriptor Strata writes for `dtype`. Types NumPy has none for are written widened
    /// exactly (see `NPYDescriptor.storedDType`), so this returns the descriptor of that type.
    public static func forWriting(_ dtype: DType) -> NPYDescriptor {
        NPYDescriptor(dtype: storedDType(dtype))
    }

    /// The dtype a `dtype` tensor is written to `.npy` as: bfloat16 and the low-bit floats as
    /// float32, int4 and int2 as int8, uint4 and uint2 as uint8 (all exact); others unchanged.
    public static func storedDType(_ dtype: DType) -> DType {
        switch dtype {
        case .bfloat16, .float8e4m3fn, .float8e5m2, .float8e4m3fnuz, .float8e5m2fnuz, .float4e2m1: return .float32
        case .int4, .int2: return .int8
        case .uint4, .uint2: return .uint8
        default: return dtype
        }
    }

    public var description: String {
        let code: String
        switch dtype {
        case .float32: code = "f4"
        case .float64: code = "f8"
        case .float16, .bfloat16: code = "f2"
        case .int8, .int4, .int2: code = "i1"
        case .int16: code = "i2"
        case .int32: code = "i4"
        case .int64: code = "i8"
        case .uint8, .uint4, .uint2: code = "u1"
        case .uint16: code = "u2"
        case .uint32: code = "u4"
        case .uint64: code = "u8"
        case .bool: code = "b1"
        case .float8e4m3fn, .float8e5m2, .float8e4m3fnuz, .float8e5m2fnuz, .float4e2m1: code = "f4"
        }
        let order = dtype.byteSize == 1 ? "|" : (bigEndian ? ">" : "<")
        return order + code
    }

    /// Parses a descriptor string such as `<f4`, `>i8`, `|b1`, `=u2` or `?`. Returns nil for
    /// anything Strata has no dtype for (complex, strings, structured, datetime, float128 …).
    public init?(parsing text: String) {
        var chars = Substring(text)
        var big = false
        if let first = chars.first, "<>|=".contains(first) {
            big = first == ">"
            chars = chars.dropFirst()
        }
        let table: [String: DType] = [
            "f4": .float32, "f8": .float64, "f2": .float16, "e": .float16, "f": .float32, "d": .float64,
            "i1": .int8, "i2": .int16, "i4": .int32, "i8": .int64, "b": .int8,
            "u1": .uint8, "u2": .uint16, "u4": .uint32, "u8": .uint64, "B": .uint8,
            "b1": .bool, "?": .bool,
        ]
        guard let dtype = table[String(chars)] else { return nil }
        self.init(dtype: dtype, bigEndian: big && dtype.byteSize > 1)
    }
}
