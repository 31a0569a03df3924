import StrataCore

/// ONNX's `TensorProto.DataType` codes as the importer meets them in tensors and value types
/// (the code ↔ dtype table itself is `DType(onnxCode:)` in StrataCore).
enum ONNXDataType {
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
        if let dtype = DType(onnxCode: Int(code)) { return dtype }
        if code == 0 { throw StrataError(.corruptFile, "the element type is missing (UNDEFINED)") }
        if code == 8 { throw StrataError(.unsupported, "string tensors are not supported") }
        throw StrataError(.unsupported, "element type \(name(code)) is not supported")
    }
}
