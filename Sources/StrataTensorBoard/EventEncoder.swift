import CProtobufC
import CTensorBoardProto
import Foundation
import StrataCore

/// Serializes `Event` messages through the protobuf-c bindings of Strata's TensorBoard schema
/// (`Sources/CTensorBoardProto/schema/tensorboard.proto`). The message tree is built in C memory
/// that lives for one call.
enum EventEncoder {
    /// The largest serialized event: protobuf parsers, TensorBoard's included, refuse messages of 2 GiB or more.
    static let maxEventBytes = Int(Int32.max)

    /// The event that starts every file: `file_version` at `wallTime`, step 0.
    static func fileVersion(_ version: String, wallTime: Double) throws -> [UInt8] {
        let memory = CMemory()
        var event = Tensorboard__Event()
        tensorboard__event__init(&event)
        event.wall_time = wallTime
        event.what_case = TENSORBOARD__EVENT__WHAT_FILE_VERSION
        event.file_version = memory.string(version)
        return try pack(&event)
    }

    /// An event holding one summary of `values`.
    static func summary(_ values: [TensorBoardValue], step: Int64, wallTime: Double) throws -> [UInt8] {
        let memory = CMemory()
        let entries = memory.allocate(Optional<UnsafeMutablePointer<Tensorboard__Summary__Value>>.self, count: values.count)
        for (i, value) in values.enumerated() {
            let entry = memory.allocate(Tensorboard__Summary__Value.self, count: 1)
            tensorboard__summary__value__init(entry)
            entry.pointee.tag = memory.string(value.tag)
            switch value.content {
            case .scalar(let number):
                entry.pointee.value_case = TENSORBOARD__SUMMARY__VALUE__VALUE_SIMPLE_VALUE
                entry.pointee.simple_value = number
            case .image(let image):
                let message = memory.allocate(Tensorboard__Summary__Image.self, count: 1)
                tensorboard__summary__image__init(message)
                message.pointee.width = Int32(image.width)
                message.pointee.height = Int32(image.height)
                message.pointee.colorspace = Int32(image.channels)
                message.pointee.encoded_image_string = ProtobufCBinaryData(len: image.png.count, data: memory.copy(image.png))
                entry.pointee.value_case = TENSORBOARD__SUMMARY__VALUE__VALUE_IMAGE
                entry.pointee.image = message
            case .histogram(let histogram):
                let message = memory.allocate(Tensorboard__HistogramProto.self, count: 1)
                tensorboard__histogram_proto__init(message)
                message.pointee.min = histogram.min
                message.pointee.max = histogram.max
                message.pointee.num = histogram.num
                message.pointee.sum = histogram.sum
                message.pointee.sum_squares = histogram.sumSquares
                message.pointee.n_bucket_limit = histogram.bucketLimits.count
                message.pointee.bucket_limit = memory.copy(histogram.bucketLimits)
                message.pointee.n_bucket = histogram.bucketCounts.count
                message.pointee.bucket = memory.copy(histogram.bucketCounts)
                entry.pointee.value_case = TENSORBOARD__SUMMARY__VALUE__VALUE_HISTO
                entry.pointee.histo = message
            }
            entries[i] = entry
        }
        let summary = memory.allocate(Tensorboard__Summary.self, count: 1)
        tensorboard__summary__init(summary)
        summary.pointee.n_value = values.count
        summary.pointee.value = entries

        var event = Tensorboard__Event()
        tensorboard__event__init(&event)
        event.wall_time = wallTime
        event.step = step
        event.what_case = TENSORBOARD__EVENT__WHAT_SUMMARY
        event.summary = summary
        return try pack(&event)
    }

    private static func pack(_ event: inout Tensorboard__Event) throws -> [UInt8] {
        let size = tensorboard__event__get_packed_size(&event)
        guard size <= maxEventBytes else {
            throw StrataError(.resourceLimit, "a TensorBoard event of \(size) bytes is over the 2 GiB protobuf limit")
        }
        var bytes = [UInt8](repeating: 0, count: size)
        let written = bytes.withUnsafeMutableBufferPointer { tensorboard__event__pack(&event, $0.baseAddress!) }
        precondition(written == size, "protobuf-c packed \(written) bytes of an event it sized at \(size)")
        return bytes
    }
}

/// C memory for one message tree, freed with this object.
private final class CMemory {
    private var blocks: [UnsafeMutableRawPointer] = []

    deinit {
        for block in blocks { free(block) }
    }

    /// Zeroed storage for `count` values (at least one, so the pointer is never null).
    func allocate<T>(_ type: T.Type, count: Int) -> UnsafeMutablePointer<T> {
        guard let raw = calloc(Swift.max(count, 1), MemoryLayout<T>.stride) else {
            fatalError("out of memory allocating \(count) × \(MemoryLayout<T>.stride) bytes")
        }
        blocks.append(raw)
        return raw.bindMemory(to: T.self, capacity: Swift.max(count, 1))
    }

    func copy<T>(_ values: [T]) -> UnsafeMutablePointer<T> {
        let pointer = allocate(T.self, count: values.count)
        values.withUnsafeBufferPointer { source in
            if let base = source.baseAddress { pointer.initialize(from: base, count: source.count) }
        }
        return pointer
    }

    /// A NUL-terminated copy of `string` (which holds no NUL: `TensorBoardValue` checks tags).
    func string(_ string: String) -> UnsafeMutablePointer<CChar> {
        let utf8 = Array(string.utf8)
        let pointer = allocate(CChar.self, count: utf8.count + 1)
        for (i, byte) in utf8.enumerated() { pointer[i] = CChar(bitPattern: byte) }
        return pointer
    }
}
