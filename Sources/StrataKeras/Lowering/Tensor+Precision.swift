import StrataCore

extension Tensor {
    /// This float32 tensor's values rounded to `dtype` (float16 and bfloat16 round to nearest, ties to
    /// even, as TensorFlow's casts do); any other tensor is returned as it is.
    func rounded(to dtype: DType) throws -> Tensor {
        guard self.dtype == .float32, dtype != .float32, dtype.isFloatingPoint else { return self }
        let out = try Tensor(dtype: dtype, shape: shape)
        let source = buffer(as: Float.self)
        switch dtype {
        case .float16:
            let target = out.buffer(as: Float16.self)
            for i in source.indices { target[i] = Float16(source[i]) }
        case .bfloat16:
            let target = out.buffer(as: UInt16.self)
            for i in source.indices { target[i] = Self.bfloat16Bits(source[i]) }
        default:
            let target = out.buffer(as: Double.self)
            for i in source.indices { target[i] = Double(source[i]) }
        }
        return out
    }

    /// The bfloat16 nearest to `value` (ties to even) as its bit pattern; NaN stays a quiet NaN.
    private static func bfloat16Bits(_ value: Float) -> UInt16 {
        let bits = value.bitPattern
        if value.isNaN { return UInt16(truncatingIfNeeded: bits >> 16) | 0x40 }
        let roundingBias: UInt32 = 0x7FFF + ((bits >> 16) & 1)
        return UInt16(truncatingIfNeeded: (bits &+ roundingBias) >> 16)
    }
}
