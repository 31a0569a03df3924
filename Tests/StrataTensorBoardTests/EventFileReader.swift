import CProtobufC
import CTensorBoardProto
import Foundation
import StrataCore
import StrataTensorBoard
import XCTest

/// Test support: the fixtures of Tools/make-tensorboard-fixtures.py, and a reader of TFRecord files
/// that checks both CRCs of every record and decodes events with the generated C bindings.
enum EventFileReader {
    static let fixtures = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path + "/Fixtures/tensorboard"

    static func fixture(_ name: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: URL(fileURLWithPath: fixtures + "/" + name)))
    }

    /// A JSON fixture as Foundation objects, every number a `Double`, parsed by StrataCore's parser:
    /// Foundation's on Linux does not always round numbers to the nearest double.
    static func json(_ name: String) throws -> [String: Any] {
        func plain(_ value: JSONValue) -> Any {
            switch value {
            case .null: return NSNull()
            case .bool(let b): return b
            case .int(let i): return Double(i)
            case .double(let d): return d
            case .string(let s): return s
            case .array(let items): return items.map(plain)
            case .object(let members): return Dictionary(members.map { ($0.0, plain($0.1)) }, uniquingKeysWith: { $1 })
            }
        }
        return try XCTUnwrap(plain(try JSONValue.parse(Data(fixture(name)))) as? [String: Any])
    }

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// The payloads of a TFRecord file; throws on a short record or a CRC that does not match.
    static func records(_ bytes: [UInt8]) throws -> [[UInt8]] {
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
    struct Event: Equatable {
        var wallTime: Double
        var step: Int64
        var fileVersion: String?
        var values: [Value] = []
    }

    enum Value: Equatable {
        case scalar(tag: String, Float)
        case image(tag: String, png: [UInt8], width: Int, height: Int, channels: Int)
        case histogram(tag: String, min: Double, max: Double, num: Double, sum: Double, sumSquares: Double, limits: [Double], counts: [Double])
    }

    static func event(_ data: [UInt8]) throws -> Event {
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
    static func events(at path: String) throws -> [Event] {
        try records([UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))).map(event)
    }
}
