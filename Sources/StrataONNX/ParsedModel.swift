import CONNXProto
import CProtobufC
import StrataCore

/// An ONNX `ModelProto` unpacked by protobuf-c, freed when the last tensor borrowing its bytes
/// (raw_data, typed data arrays) is gone.
final class ParsedModel {
    let message: UnsafeMutablePointer<Onnx__ModelProto>

    /// Unpacks `byteCount` bytes at `bytes`. protobuf-c copies every field out of the input, so
    /// the input may be released afterwards.
    init(bytes: UnsafeRawPointer?, byteCount: Int) throws {
        if byteCount == 0 { throw StrataError(.corruptFile, "the file is empty") }
        try ProtoDepthCheck.verify(bytes!.assumingMemoryBound(to: UInt8.self), byteCount: byteCount)
        guard let message = onnx__model_proto__unpack(nil, byteCount, bytes!.assumingMemoryBound(to: UInt8.self)) else {
            throw StrataError(.corruptFile, "not a valid ONNX file (the protobuf data is truncated or corrupt)")
        }
        self.message = message
    }

    deinit {
        onnx__model_proto__free_unpacked(message, nil)
    }
}
