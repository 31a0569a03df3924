import CProtobufC
import CTensorBoardProto
import Foundation
import StrataCore
import StrataTensorBoard

/// Test support: a reader of TensorBoard events files that checks both masked CRC-32Cs of every
/// TFRecord and decodes each event with the generated C bindings of Strata's TensorBoard schema.
public enum EventFileReader {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// The payloads of a TFRecord file; throws on a short record or a CRC that does not match.
    public static func records(_ bytes: [UInt8]) throws -> [[UInt8]] {
        func u32(_ at: Int) -> UInt32 { (0 ..< 4).reduce(0) { $0 | UInt32(bytes[at + $1]) << (8 * UInt32($1)) } }
        var records: [[UInt8]] = []
        var at = 0
        while at < bytes.count {
            guard bytes.count - at >= 12 else { throw Failure(description: "short header at \(at)") }
            let header = Array(bytes[at ..< at + 8])
            let length = header.enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
            guard CRC32C.masked(CRC32C.checksum(header)) == u32(at + 8) else { throw Failure(description: "length CRC at \(at)") }
            guard length <= UInt64(bytes.count - at - 16) else { throw Failure(description: "short record at \(at)") }
            let data = Array(bytes[at + 12 ..< at + 12 + Int(length)])
            guard CRC32C.masked(CRC32C.checksum(data)) == u32(at + 12 + Int(length)) else {
                throw Failure(description: "data CRC at \(at)")
            }
            records.append(data)
            at += 16 + Int(length)
        }
        return records
    }

    /// One decoded event.
    public struct Event: Equatable {
        public var wallTime: Double
        public var step: Int64
        public var fileVersion: String?
        public var values: [Value] = []

        public init(wallTime: Double, step: Int64, fileVersion: String? = nil, values: [Value] = []) {
            self.wallTime = wallTime
            self.step = step
            self.fileVersion = fileVersion
            self.values = values
        }
    }

    public enum Value: Equatable {
        case scalar(tag: String, Float)
        case image(tag: String, png: [UInt8], width: Int, height: Int, channels: Int)
        case histogram(tag: String, min: Double, max: Double, num: Double, sum: Double, sumSquares: Double, limits: [Double], counts: [Double])
    }

    public static func event(_ data: [UInt8]) throws -> Event {
        guard let message = data.withUnsafeBufferPointer({ tensorboard__event__unpack(nil, $0.count, $0.baseAddress) }) else {
            throw Failure(description: "not an Event")
        }
        defer { tensorboard__event__free_unpacked(message, nil) }
        var event = Event(wallTime: message.pointee.wall_time, step: message.pointee.step)
        switch message.pointee.what_case {
        case TENSORBOARD__EVENT__WHAT_FILE_VERSION:
            event.fileVersion = String(cString: message.pointee.file_version)
        case TENSORBOARD__EVENT__WHAT_SUMMARY:
            let summary = message.pointee.summary!.pointee
            for i in 0 ..< summary.n_value {
                let value = summary.value[i]!.pointee
                let tag = String(cString: value.tag)
                switch value.value_case {
                case TENSORBOARD__SUMMARY__VALUE__VALUE_SIMPLE_VALUE:
                    event.values.append(.scalar(tag: tag, value.simple_value))
                case TENSORBOARD__SUMMARY__VALUE__VALUE_IMAGE:
                    let image = value.image!.pointee
                    let png = Array(UnsafeBufferPointer(start: image.encoded_image_string.data, count: image.encoded_image_string.len))
                    event.values.append(.image(tag: tag, png: png, width: Int(image.width), height: Int(image.height),
                                               channels: Int(image.colorspace)))
                case TENSORBOARD__SUMMARY__VALUE__VALUE_HISTO:
                    let h = value.histo!.pointee
                    event.values.append(.histogram(
                        tag: tag, min: h.min, max: h.max, num: h.num, sum: h.sum, sumSquares: h.sum_squares,
                        limits: Array(UnsafeBufferPointer(start: h.bucket_limit, count: h.n_bucket_limit)),
                        counts: Array(UnsafeBufferPointer(start: h.bucket, count: h.n_bucket))))
                default:
                    throw Failure(description: "summary value of an unexpected kind")
                }
            }
        default:
            throw Failure(description: "event of an unexpected kind")
        }
        return event
    }

    /// Every event of the file at `path`.
    public static func events(at path: String) throws -> [Event] {
        try records([UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))).map(event)
    }
}
