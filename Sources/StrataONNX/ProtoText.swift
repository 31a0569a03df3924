import CONNXProto
import CProtobufC
import StrataCore

/// Conversions from protobuf-c's C strings and byte fields to Swift strings. protobuf-c does not
/// check UTF-8, so these do.
enum ProtoText {
    /// The UTF-8 text of an optional string field; nil when the field is unset.
    static func optional(_ field: UnsafePointer<CChar>?, what: @autoclosure () -> String) throws -> String? {
        guard let field else { return nil }
        guard let text = String(validatingCString: field) else {
            throw StrataError(.corruptFile, "\(what()) is not valid UTF-8")
        }
        return text
    }

    /// The text of a string field; "" when unset.
    static func string(_ field: UnsafePointer<CChar>?, what: @autoclosure () -> String) throws -> String {
        try optional(field, what: what()) ?? ""
    }

    /// The text of a `bytes` field holding UTF-8.
    static func bytes(_ field: ProtobufCBinaryData, what: @autoclosure () -> String) throws -> String {
        if field.len == 0 { return "" }
        let buffer = UnsafeBufferPointer(start: field.data, count: field.len)
        guard let text = String(validating: buffer, as: UTF8.self) else {
            throw StrataError(.corruptFile, "\(what()) is not valid UTF-8")
        }
        return text
    }

    /// The key/value pairs of a repeated `StringStringEntryProto` field, in file order.
    static func entries(
        _ list: UnsafeMutablePointer<UnsafeMutablePointer<Onnx__StringStringEntryProto>?>?, count: Int, what: String
    ) throws -> [(key: String, value: String)] {
        var out: [(key: String, value: String)] = []
        for i in 0..<count {
            guard let entry = list?[i]?.pointee else { continue }
            out.append((try string(entry.key, what: "a \(what) key"), try string(entry.value, what: "a \(what) value")))
        }
        return out
    }
}
