import CONNXProto
import CProtobufC
import StrataCore

/// A walk over protobuf wire data that checks how deeply messages nest, before protobuf-c
/// (which recurses once per level) unpacks it: a hostile file nesting graphs inside attributes
/// a million times must fail with an error, not overflow the stack.
///
/// The walk is iterative, reads every tag and length, and skips the contents of non-message
/// fields, so it costs little even for files holding gigabytes of weights.
enum ProtoDepthCheck {
    /// Deeper nesting than this is refused; real models nest a handful of subgraph levels.
    static let maximumDepth = 100

    /// The error for bytes that are not protobuf wire data.
    static let corrupt = StrataError(.corruptFile, "not a valid ONNX file (the protobuf data is truncated or corrupt)")

    /// Throws `.corruptFile` when the bytes are not well-formed wire data or nest too deeply.
    static func verify(_ bytes: UnsafePointer<UInt8>, byteCount: Int) throws {
        try withUnsafePointer(to: onnx__model_proto__descriptor) { root in
            try walk(bytes, byteCount: byteCount, root: root)
        }
    }

    private static func walk(
        _ bytes: UnsafePointer<UInt8>, byteCount: Int, root: UnsafePointer<ProtobufCMessageDescriptor>
    ) throws {
        var stack: [(end: Int, descriptor: UnsafePointer<ProtobufCMessageDescriptor>)] = [(byteCount, root)]
        var position = 0

        // A varint may not run past the end of the message it is in (`end`), let alone the data.
        func varint(before end: Int) throws -> UInt64 {
            var value: UInt64 = 0
            var shift: UInt64 = 0
            while true {
                guard position < end, shift < 64 else { throw corrupt }
                let byte = bytes[position]
                position += 1
                value |= UInt64(byte & 0x7f) << shift
                if byte & 0x80 == 0 { return value }
                shift += 7
            }
        }

        while let top = stack.last {
            if position == top.end {
                stack.removeLast()
                continue
            }
            let tag = try varint(before: top.end)
            let fieldNumber = tag >> 3
            guard fieldNumber > 0, fieldNumber <= UInt64(UInt32.max) else { throw corrupt }
            switch tag & 7 {
            case 0: _ = try varint(before: top.end)
            case 1: position += 8
            case 5: position += 4
            case 2:
                let length = try varint(before: top.end)
                guard length <= UInt64(top.end - position) else { throw corrupt }
                let end = position + Int(length)
                if let field = protobuf_c_message_descriptor_get_field(top.descriptor, UInt32(fieldNumber)),
                   field.pointee.type == PROTOBUF_C_TYPE_MESSAGE,
                   let nested = field.pointee.descriptor {
                    if stack.count >= maximumDepth {
                        throw StrataError(.corruptFile, "messages nest more than \(maximumDepth) levels deep")
                    }
                    stack.append((end, nested.assumingMemoryBound(to: ProtobufCMessageDescriptor.self)))
                } else {
                    position = end
                }
            default:
                throw corrupt
            }
            if position > top.end { throw corrupt }
        }
    }
}
