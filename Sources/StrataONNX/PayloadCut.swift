import CONNXProto
import CProtobufC
import Foundation
import StrataCore

/// A copy of a mapped ONNX file's wire data with the large `raw_data` payloads of `TensorProto`
/// messages cut out, so that protobuf-c unpacks only the graph's structure and weights stay in the
/// mapped file until a tensor's bytes are used.
///
/// The file is read with `pread` through a small window, skipping the payloads, never through the
/// mapping (see `MappedFile.read`). Each cut payload is replaced by a 16-byte marker: a nonce drawn
/// for this load, then the payload's index in `payloads`; every enclosing length is re-encoded.
/// The nonce is what tells a marker from a genuine 16-byte `raw_data` in a hostile file, which
/// cannot know it in advance. The walk checks what `ProtoDepthCheck` checks (well-formed wire data,
/// nesting depth) as it goes, since it recurses once per nesting level.
struct PayloadCut {
    /// Payloads shorter than this stay in the copy; the marker and the bookkeeping would save nothing.
    static let threshold = 4096
    static let markerLength = 16

    /// The rebuilt wire data.
    let bytes: [UInt8]
    /// Where each cut payload lies in the file.
    let payloads: [Range<Int>]
    let nonce: UInt64

    init(_ file: MappedFile) throws {
        var generator = SystemRandomNumberGenerator()
        var builder = Builder(reader: Reader(file: file), nonce: generator.next())
        let out = try withUnsafePointer(to: onnx__model_proto__descriptor) { root in
            try builder.rebuild(end: file.byteCount, descriptor: root, isTensor: false, depth: 1)
        }
        bytes = out
        payloads = builder.payloads
        nonce = builder.nonce
    }

    /// The payload a `raw_data` field stands for, or nil when the field is not one of this cut's markers.
    func payload(marker data: UnsafePointer<UInt8>?, count: Int) -> Range<Int>? {
        guard count == Self.markerLength, let data else { return nil }
        let raw = UnsafeRawPointer(data)
        guard raw.loadUnaligned(as: UInt64.self) == nonce else { return nil }
        let index = raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self)
        guard index < UInt64(payloads.count) else { return nil }
        return payloads[Int(index)]
    }

    private static func isTensor(_ descriptor: UnsafePointer<ProtobufCMessageDescriptor>) -> Bool {
        guard let name = descriptor.pointee.name else { return false }
        return strcmp(name, "onnx.TensorProto") == 0
    }

    private static func append(varint value: UInt64, to out: inout [UInt8]) {
        var v = value
        while v >= 0x80 {
            out.append(UInt8(v & 0x7f) | 0x80)
            v >>= 7
        }
        out.append(UInt8(v))
    }

    private static func append(fixed value: UInt64, to out: inout [UInt8]) {
        withUnsafeBytes(of: value.littleEndian) { out.append(contentsOf: $0) }
    }

    /// Forward reads of the file through a window filled by `pread`.
    private struct Reader {
        let file: MappedFile
        var position = 0
        private var window = [UInt8](repeating: 0, count: 1 << 16)
        private var windowStart = 0
        private var windowCount = 0

        init(file: MappedFile) {
            self.file = file
        }

        private mutating func byte(at offset: Int) throws -> UInt8 {
            if offset < windowStart || offset >= windowStart + windowCount {
                windowStart = offset
                windowCount = try window.withUnsafeMutableBytes { try file.read($0.baseAddress!, count: $0.count, at: offset) }
                guard windowCount > 0 else { throw ProtoDepthCheck.corrupt }
            }
            return window[offset - windowStart]
        }

        mutating func varint(before end: Int) throws -> UInt64 {
            var value: UInt64 = 0
            var shift: UInt64 = 0
            while true {
                guard position < end, shift < 64 else { throw ProtoDepthCheck.corrupt }
                let byte = try byte(at: position)
                position += 1
                value |= UInt64(byte & 0x7f) << shift
                if byte & 0x80 == 0 { return value }
                shift += 7
            }
        }

        /// Appends the file's bytes `range` to `out`.
        mutating func copy(_ range: Range<Int>, into out: inout [UInt8]) throws {
            guard !range.isEmpty else { return }
            if range.lowerBound >= windowStart && range.upperBound <= windowStart + windowCount {
                out.append(contentsOf: window[(range.lowerBound - windowStart) ..< (range.upperBound - windowStart)])
                return
            }
            let start = out.count
            out.append(contentsOf: repeatElement(0, count: range.count))
            let read = try out.withUnsafeMutableBytes { try file.read($0.baseAddress! + start, count: range.count, at: range.lowerBound) }
            guard read == range.count else { throw ProtoDepthCheck.corrupt }
        }
    }

    /// The state of one rebuild: where the reader is, the payloads cut so far.
    private struct Builder {
        var reader: Reader
        let nonce: UInt64
        var payloads: [Range<Int>] = []

        init(reader: Reader, nonce: UInt64) {
            self.reader = reader
            self.nonce = nonce
        }

        /// The rebuilt bytes of the message from the reader's position up to `end`.
        mutating func rebuild(end: Int, descriptor: UnsafePointer<ProtobufCMessageDescriptor>, isTensor: Bool, depth: Int) throws -> [UInt8] {
            var out: [UInt8] = []
            while reader.position < end {
                let tagStart = reader.position
                let tag = try reader.varint(before: end)
                let fieldNumber = tag >> 3
                guard fieldNumber > 0, fieldNumber <= UInt64(UInt32.max) else { throw ProtoDepthCheck.corrupt }
                switch tag & 7 {
                case 0:
                    _ = try reader.varint(before: end)
                    try reader.copy(tagStart ..< reader.position, into: &out)
                case 1, 5:
                    let size = tag & 7 == 1 ? 8 : 4
                    guard size <= end - reader.position else { throw ProtoDepthCheck.corrupt }
                    reader.position += size
                    try reader.copy(tagStart ..< reader.position, into: &out)
                case 2:
                    let length = try reader.varint(before: end)
                    guard length <= UInt64(end - reader.position) else { throw ProtoDepthCheck.corrupt }
                    let start = reader.position, fieldEnd = start + Int(length)
                    if isTensor && fieldNumber == 9 && Int(length) >= PayloadCut.threshold {
                        // raw_data (TensorProto field 9): cut out, a marker in its place.
                        PayloadCut.append(varint: tag, to: &out)
                        PayloadCut.append(varint: UInt64(PayloadCut.markerLength), to: &out)
                        PayloadCut.append(fixed: nonce, to: &out)
                        PayloadCut.append(fixed: UInt64(payloads.count), to: &out)
                        payloads.append(start ..< fieldEnd)
                        reader.position = fieldEnd
                    } else if let field = protobuf_c_message_descriptor_get_field(descriptor, UInt32(fieldNumber)),
                              field.pointee.type == PROTOBUF_C_TYPE_MESSAGE, let nested = field.pointee.descriptor {
                        if depth >= ProtoDepthCheck.maximumDepth {
                            throw StrataError(.corruptFile, "messages nest more than \(ProtoDepthCheck.maximumDepth) levels deep")
                        }
                        let child = nested.assumingMemoryBound(to: ProtobufCMessageDescriptor.self)
                        let inner = try rebuild(end: fieldEnd, descriptor: child, isTensor: PayloadCut.isTensor(child), depth: depth + 1)
                        PayloadCut.append(varint: tag, to: &out)
                        PayloadCut.append(varint: UInt64(inner.count), to: &out)
                        out.append(contentsOf: inner)
                    } else {
                        reader.position = fieldEnd
                        try reader.copy(tagStart ..< fieldEnd, into: &out)
                    }
                default:
                    throw ProtoDepthCheck.corrupt
                }
            }
            guard reader.position == end else { throw ProtoDepthCheck.corrupt }
            return out
        }
    }
}
