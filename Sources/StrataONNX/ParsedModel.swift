import CONNXProto
import CProtobufC
import StrataCore

/// An ONNX `ModelProto` unpacked by protobuf-c, freed when the last tensor borrowing its bytes
/// (raw_data, typed data arrays) is gone.
final class ParsedModel {
    let message: UnsafeMutablePointer<Onnx__ModelProto>
    /// The mapped file whose large `raw_data` payloads were left out of `message`; nil when the
    /// whole message was unpacked.
    let file: MappedFile?
    /// Which payloads were left out, and the markers standing in for them.
    private let cut: PayloadCut?

    /// Unpacks a mapped file without its large `raw_data` payloads: they stay in the mapping
    /// (`payload(_:)`), so weights are neither copied nor read until a tensor's bytes are used,
    /// and commands that only look at the graph never fault them in.
    init(file: MappedFile) throws {
        guard file.byteCount > 0 else { throw StrataError(.corruptFile, "the file is empty") }
        // The cut checks depth and well-formedness as `ProtoDepthCheck` does while it copies, so its
        // copy needs no second walk before protobuf-c unpacks it.
        let cut = try PayloadCut(file)
        let unpacked = try cut.bytes.withUnsafeBufferPointer { wire -> UnsafeMutablePointer<Onnx__ModelProto>? in
            guard let base = wire.baseAddress, wire.count > 0 else { throw StrataError(.corruptFile, "the file is empty") }
            return onnx__model_proto__unpack(nil, wire.count, base)
        }
        guard let message = unpacked else { throw ProtoDepthCheck.corrupt }
        self.message = message
        self.file = file
        self.cut = cut
    }

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
        file = nil
        cut = nil
    }

    /// The bytes in the mapped file that a cut-out `raw_data` field stands for, or nil when `raw`
    /// holds its bytes itself.
    func payload(_ raw: ProtobufCBinaryData) -> (bytes: UnsafeMutableRawPointer, count: Int, owner: MappedFile)? {
        guard let cut, let file, let base = file.bytes,
              let range = cut.payload(marker: raw.data.map { UnsafePointer($0) }, count: raw.len),
              range.upperBound <= file.byteCount else { return nil }
        return (base + range.lowerBound, range.count, file)
    }

    deinit {
        onnx__model_proto__free_unpacked(message, nil)
    }
}
