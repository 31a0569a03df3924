import StrataCore

/// Conversions between the dtype a tensor is stored in and the dtype a kernel computes in, for
/// the kernels of the reduction, normalisation and recurrent families: narrow floats compute in
/// float32, float64 in float64, integers in int64.
enum NumericStaging {
    /// The dtype to compute `dtype` in, or nil when the family does not handle it.
    /// Integers (and bool, when `bool` is set) widen to int64 only when `integers` is set.
    static func computeType(for dtype: DType, integers: Bool, bool: Bool = false) -> DType? {
        switch dtype {
        case .float32, .float16, .bfloat16: return .float32
        case .float64: return .float64
        case .int8, .int16, .int32, .int64, .uint8, .uint16, .uint32, .uint64: return integers ? .int64 : nil
        case .bool: return bool ? .int64 : nil
        case .float8e4m3fn, .float8e5m2, .float8e4m3fnuz, .float8e5m2fnuz, .float4e2m1, .int4, .uint4, .int2, .uint2: return nil
        }
    }

    /// The error for a dtype a kernel does not handle.
    static func unsupported(_ dtype: DType, node: Node, supported: String) -> StrataError {
        node.error("dtype \(dtype.rawValue) is not supported (supported: \(supported))", kind: .unsupported)
    }

    /// `t` converted element by element to `dtype`; `t` itself when it already has that dtype.
    /// Float to integer conversion truncates; anything to bool tests for non-zero.
    static func convert(_ t: Tensor, to dtype: DType) throws -> Tensor {
        if t.dtype == dtype { return t }
        let out = try Tensor(dtype: dtype, shape: t.shape)
        let n = t.count
        switch (t.dtype, dtype) {
        case (.float16, .float32):
            let s = t.pointer(as: Float16.self), d = out.pointer(as: Float.self)
            for i in 0..<n { d[i] = Float(s[i]) }
        case (.float32, .float16):
            let s = t.pointer(as: Float.self), d = out.pointer(as: Float16.self)
            for i in 0..<n { d[i] = Float16(s[i]) }
        case (.bfloat16, .float32):
            let s = t.pointer(as: UInt16.self), d = out.pointer(as: Float.self)
            for i in 0..<n { d[i] = Float(bitPattern: UInt32(s[i]) << 16) }
        case (.float32, .bfloat16):
            let s = t.pointer(as: Float.self), d = out.pointer(as: UInt16.self)
            for i in 0..<n { d[i] = bfloat16Bits(s[i]) }
        default:
            if (t.dtype.isInteger || t.dtype == .bool) && (dtype.isInteger || dtype == .bool) {
                for i in 0..<n { storeInt(t.intValue(at: i), at: i, in: out) }
            } else {
                for i in 0..<n { storeDouble(t.doubleValue(at: i), at: i, in: out) }
            }
        }
        return out
    }

    /// The bfloat16 nearest to `v` (ties to even), as its bit pattern.
    static func bfloat16Bits(_ v: Float) -> UInt16 {
        if v.isNaN { return 0x7FC0 }
        let bits = v.bitPattern
        let rounding = 0x7FFF + ((bits >> 16) & 1)
        return UInt16(truncatingIfNeeded: (bits &+ rounding) >> 16)
    }

    private static func storeInt(_ v: Int, at i: Int, in t: Tensor) {
        let p = t.rawPointer
        switch t.dtype {
        case .int8: p.assumingMemoryBound(to: Int8.self)[i] = Int8(truncatingIfNeeded: v)
        case .int16: p.assumingMemoryBound(to: Int16.self)[i] = Int16(truncatingIfNeeded: v)
        case .int32: p.assumingMemoryBound(to: Int32.self)[i] = Int32(truncatingIfNeeded: v)
        case .int64: p.assumingMemoryBound(to: Int64.self)[i] = Int64(v)
        case .uint8: p.assumingMemoryBound(to: UInt8.self)[i] = UInt8(truncatingIfNeeded: v)
        case .uint16: p.assumingMemoryBound(to: UInt16.self)[i] = UInt16(truncatingIfNeeded: v)
        case .uint32: p.assumingMemoryBound(to: UInt32.self)[i] = UInt32(truncatingIfNeeded: v)
        case .uint64: p.assumingMemoryBound(to: UInt64.self)[i] = UInt64(truncatingIfNeeded: v)
        case .bool: p.assumingMemoryBound(to: UInt8.self)[i] = v != 0 ? 1 : 0
        default: storeDouble(Double(v), at: i, in: t)
        }
    }

    private static func storeDouble(_ v: Double, at i: Int, in t: Tensor) {
        let p = t.rawPointer
        switch t.dtype {
        case .float32: p.assumingMemoryBound(to: Float.self)[i] = Float(v)
        case .float64: p.assumingMemoryBound(to: Double.self)[i] = v
        case .float16: p.assumingMemoryBound(to: Float16.self)[i] = Float16(Float(v))
        case .bfloat16: p.assumingMemoryBound(to: UInt16.self)[i] = bfloat16Bits(Float(v))
        case .bool: p.assumingMemoryBound(to: UInt8.self)[i] = v != 0 ? 1 : 0
        default:
            // Out-of-range and NaN values have no integer; they become 0 rather than trap.
            let r = v.rounded(.towardZero)
            storeInt(r.isFinite && abs(r) < 9.2e18 ? Int(r) : 0, at: i, in: t)
        }
    }
}
