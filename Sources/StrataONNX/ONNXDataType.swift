import StrataCore

/// ONNX's `TensorProto.DataType` codes, as used by tensors and by `TypeProto.Tensor.elem_type`.
enum ONNXDataType {
    /// The Strata dtype for an ONNX element type code, or nil when Strata has no such dtype.
    static func dtype(_ code: Int32) -> DType? {
        switch code {
        case 1: return .float32
        case 2: return .uint8
        case 3: return .int8
        case 4: return .uint16
        case 5: return .int16
        case 6: return .int32
        case 7: return .int64
        case 9: return .bool
        case 10: return .float16
        case 11: return .float64
        case 12: return .uint32
        case 13: return .uint64
        case 16: return .bfloat16
        default: return nil
        }
    }

    /// The specification's name of a code (`FLOAT8E4M3FN`), for error messages.
    static func name(_ code: Int32) -> String {
        let names = [
            "UNDEFINED", "FLOAT", "UINT8", "INT8", "UINT16", "INT16", "INT32", "INT64", "STRING", "BOOL",
            "FLOAT16", "DOUBLE", "UINT32", "UINT64", "COMPLEX64", "COMPLEX128", "BFLOAT16", "FLOAT8E4M3FN",
            "FLOAT8E4M3FNUZ", "FLOAT8E5M2", "FLOAT8E5M2FNUZ", "UINT4", "INT4", "FLOAT4E2M1", "FLOAT8E8M0",
            "UINT2", "INT2", "FLOAT6E2M3", "FLOAT6E3M2",
        ]
        return code >= 0 && Int(code) < names.count ? names[Int(code)] : "code \(code)"
    }

    /// The dtype for `code`, or an `.unsupported` / `.corruptFile` error naming the type.
    static func require(_ code: Int32) throws -> DType {
        if let dtype = dtype(code) { return dtype }
        if code == 0 { throw StrataError(.corruptFile, "the element type is missing (UNDEFINED)") }
        if code == 8 { throw StrataError(.unsupported, "string tensors are not supported") }
        throw StrataError(.unsupported, "element type \(name(code)) is not supported")
    }
}
