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
        guard byteCount > 0, let bytes else { throw StrataError(.corruptFile, "the file is empty") }
        let wire = bytes.assumingMemoryBound(to: UInt8.self)
        try ProtoDepthCheck.verify(wire, byteCount: byteCount)
        guard let message = onnx__model_proto__unpack(nil, byteCount, wire) else {
            throw ProtoDepthCheck.corrupt
        }
        self.message = message
    }

    deinit {
        onnx__model_proto__free_unpacked(message, nil)
    }
}
