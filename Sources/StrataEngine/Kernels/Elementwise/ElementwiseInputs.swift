import StrataCore

/// Input checks and half-precision handling shared by the elementwise kernels.
enum ElementwiseInputs {
    /// Input `i`, which the op requires.
    static func required(_ inputs: [Tensor?], _ i: Int) throws -> Tensor {
        guard i < inputs.count, let t = inputs[i] else {
            throw StrataError(.invalidModel, "required input \(i) is missing")
        }
        return t
    }

    /// The dtype all `tensors` share; an `.invalidInput` error when two differ.
    static func commonDType(_ tensors: [Tensor]) throws -> DType {
        let dtype = tensors[0].dtype
        for t in tensors.dropFirst() where t.dtype != dtype {
            throw StrataError(.invalidInput, "inputs have different dtypes: \(dtype.rawValue) and \(t.dtype.rawValue)")
        }
        return dtype
    }

    /// Whether `dtype` is computed by widening to float32 (float16, bfloat16).
    static func isHalf(_ dtype: DType) -> Bool { dtype == .float16 || dtype == .bfloat16 }

    /// `tensors` widened to float32 when `dtype` is a half-precision type, unchanged otherwise.
    static func widened(_ tensors: [Tensor], _ dtype: DType, _ context: ExecutionContext) throws -> [Tensor] {
        isHalf(dtype) ? try tensors.map { try $0.converted(to: .float32, context: context) } : tensors
    }

    /// The broadcast plan of `tensors`' shapes.
    static func plan(_ tensors: [Tensor]) throws -> Broadcast { try Broadcast(tensors.map(\.shape)) }

    /// An error for a dtype an op does not support.
    static func unsupported(_ dtype: DType, _ opType: String) -> StrataError {
        StrataError(.unsupported, "\(opType) does not support dtype \(dtype.rawValue)")
    }
}
