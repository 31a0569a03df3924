import StrataCore

extension Tensor {
    /// This tensor's elements converted to `target` with ONNX `Cast` semantics (see
    /// `CastTarget`). Returns `self` when the dtype already matches. Low-bit dtypes (see
    /// `DType.isLowBit`) convert as `lowBitConverted` says; `saturate` (Cast's attribute) only
    /// concerns float8 targets.
    public func converted(to target: DType, saturate: Bool = true,
                          context: ExecutionContext = ExecutionContext(threads: 1)) throws -> Tensor {
        if target == dtype { return self }
        if dtype.isLowBit || target.isLowBit {
            return try lowBitConverted(to: target, saturate: saturate, context: context)
        }
        let out = try Tensor(dtype: target, shape: shape)
        switch dtype {
        case .float32: convert(Float.self, into: out, context: context)
        case .float64: convert(Double.self, into: out, context: context)
        case .float16: convert(Float16.self, into: out, context: context)
        case .bfloat16: convert(BFloat16Bits.self, into: out, context: context)
        case .int8: convert(Int8.self, into: out, context: context)
        case .int16: convert(Int16.self, into: out, context: context)
        case .int32: convert(Int32.self, into: out, context: context)
        case .int64: convert(Int64.self, into: out, context: context)
        case .uint8: convert(UInt8.self, into: out, context: context)
        case .uint16: convert(UInt16.self, into: out, context: context)
        case .uint32: convert(UInt32.self, into: out, context: context)
        case .uint64: convert(UInt64.self, into: out, context: context)
        case .bool: convert(BoolByte.self, into: out, context: context)
        case .float8e4m3fn, .float8e5m2, .float8e4m3fnuz, .float8e5m2fnuz, .float4e2m1, .int4, .uint4, .int2, .uint2:
            preconditionFailure("low-bit dtypes are converted above")
        }
        return out
    }

    private func convert<S: CastSource>(_ source: S.Type, into out: Tensor, context: ExecutionContext) {
        switch out.dtype {
        case .float32: convert(S.self, Float.self, into: out, context: context)
        case .float64: convert(S.self, Double.self, into: out, context: context)
        case .float16: convert(S.self, Float16.self, into: out, context: context)
        case .bfloat16: convert(S.self, BFloat16Bits.self, into: out, context: context)
        case .int8: convert(S.self, Int8.self, into: out, context: context)
        case .int16: convert(S.self, Int16.self, into: out, context: context)
        case .int32: convert(S.self, Int32.self, into: out, context: context)
        case .int64: convert(S.self, Int64.self, into: out, context: context)
        case .uint8: convert(S.self, UInt8.self, into: out, context: context)
        case .uint16: convert(S.self, UInt16.self, into: out, context: context)
        case .uint32: convert(S.self, UInt32.self, into: out, context: context)
        case .uint64: convert(S.self, UInt64.self, into: out, context: context)
        case .bool: convert(S.self, BoolByte.self, into: out, context: context)
        case .float8e4m3fn, .float8e5m2, .float8e4m3fnuz, .float8e5m2fnuz, .float4e2m1, .int4, .uint4, .int2, .uint2:
            preconditionFailure("low-bit dtypes are converted by lowBitConverted")
        }
    }

    private func convert<S: CastSource, T: CastTarget>(_ source: S.Type, _ target: T.Type, into out: Tensor,
                                                        context: ExecutionContext) {
        precondition(MemoryLayout<S>.stride == dtype.byteSize && MemoryLayout<T>.stride == out.dtype.byteSize)
        context.parallelFor(count, minChunk: ElementwiseLoop.minChunk) { range in
            let src = UnsafePointer(self.rawPointer.assumingMemoryBound(to: S.self))
            let dst = out.rawPointer.assumingMemoryBound(to: T.self)
            for i in range { dst[i] = src[i].cast(to: T.self) }
        }
    }
}

extension Tensor {
    /// A scalar of `dtype` holding `value` converted with `Cast` rules.
    init(elementwiseScalar value: Double, as dtype: DType) throws {
        let wide = try Tensor(dtype: .float64, shape: [])
        wide.pointer(as: Double.self)[0] = value
        self = try wide.converted(to: dtype)
    }
}
