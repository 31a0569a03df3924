import StrataCore

extension Tensor {
    /// `Cast` to or from a low-bit dtype (see `DType.isLowBit`), as onnx's reference evaluator casts
    /// through ml_dtypes:
    /// - from a low-bit type: its values are exact in float32 (floats) or int8/uint8 (integers), so
    ///   they are widened and cast with the ordinary rules;
    /// - to float8 or float4: rounded to nearest even, overflow as `saturate` says (`LowBitFloat`);
    /// - to int4, uint4, int2 or uint2: an integer or bool keeps its low bits (sign-extended for the
    ///   signed types), as every integer cast does; a float is truncated toward zero, and one whose
    ///   truncation lies outside the type's range, or NaN or an infinity, becomes 0 (the spec leaves
    ///   it undefined; ml_dtypes gives 0).
    func lowBitConverted(to target: DType, saturate: Bool, context: ExecutionContext) throws -> Tensor {
        if dtype.isLowBit {
            let wide = try Tensor(dtype: LowBitFloat(dtype) != nil ? .float32 : dtype.isSigned ? .int8 : .uint8, shape: shape)
            for i in 0 ..< count { wide.setWidened(doubleValue(at: i), at: i) }
            if wide.dtype == target { return wide }
            return target.isLowBit ? try wide.lowBitConverted(to: target, saturate: saturate, context: context)
                : try wide.converted(to: target, context: context)
        }
        let out = try Tensor(dtype: target, shape: shape)
        let bytes = out.rawPointer.assumingMemoryBound(to: UInt8.self)
        if let format = LowBitFloat(target) {
            for i in 0 ..< count { bytes[i] = format.bits(doubleValue(at: i), saturate: saturate) }
            return out
        }
        let width = target == .int4 || target == .uint4 ? 4 : 2
        let signed = target.isSigned
        let low = signed ? -(1 << (width - 1)) : 0, high = signed ? (1 << (width - 1)) - 1 : (1 << width) - 1
        for i in 0 ..< count {
            let value: Int
            if dtype.isFloatingPoint {
                let truncated = doubleValue(at: i).rounded(.towardZero)
                value = truncated >= Double(low) && truncated <= Double(high) ? Int(truncated) : 0
            } else {
                let bits = intValue(at: i) & ((1 << width) - 1)
                value = signed && bits > high ? bits - (1 << width) : bits
            }
            bytes[i] = UInt8(truncatingIfNeeded: value)
        }
        return out
    }

    /// Stores `value`, exact in this tensor's dtype (float32, int8 or uint8), at element `i`.
    private func setWidened(_ value: Double, at i: Int) {
        switch dtype {
        case .float32: rawPointer.assumingMemoryBound(to: Float.self)[i] = Float(value)
        case .int8: rawPointer.assumingMemoryBound(to: Int8.self)[i] = Int8(value)
        default: rawPointer.assumingMemoryBound(to: UInt8.self)[i] = UInt8(value)
        }
    }
}
