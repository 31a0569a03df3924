import Foundation
import StrataCore

/// The bytes of one message between Strata and its HDF5 worker: fields appended in order (bytes,
/// 64-bit integers, length-prefixed strings and lists), read back in the same order. Reading checks
/// every length against what is left, so a reply from a worker whose memory libhdf5 corrupted can
/// at worst be refused, never read out of bounds.
struct WireMessage {
    private(set) var bytes: [UInt8] = []
    private var position = 0

    init() {}

    init(bytes: [UInt8]) { self.bytes = bytes }

    struct Malformed: Error {}

    // MARK: Writing

    mutating func append(_ value: UInt8) { bytes.append(value) }

    mutating func append(_ value: Int) {
        withUnsafeBytes(of: Int64(value).littleEndian) { bytes += $0 }
    }

    mutating func append(_ value: String) {
        let utf8 = Array(value.utf8)
        append(utf8.count)
        bytes += utf8
    }

    mutating func append(_ values: [String]) {
        append(values.count)
        for v in values { append(v) }
    }

    mutating func append(_ values: [Int]) {
        append(values.count)
        for v in values { append(v) }
    }

    /// Another message's bytes, length first.
    mutating func append(_ message: WireMessage) {
        append(message.bytes.count)
        bytes += message.bytes
    }

    // MARK: Reading

    mutating func byte() throws -> UInt8 {
        guard position < bytes.count else { throw Malformed() }
        defer { position += 1 }
        return bytes[position]
    }

    mutating func int() throws -> Int {
        guard bytes.count - position >= 8 else { throw Malformed() }
        var raw: Int64 = 0
        withUnsafeMutableBytes(of: &raw) { $0.copyBytes(from: bytes[position ..< position + 8]) }
        position += 8
        return Int(Int64(littleEndian: raw))
    }

    mutating func string() throws -> String {
        let n = try int()
        guard n >= 0, n <= bytes.count - position else { throw Malformed() }
        defer { position += n }
        return String(decoding: bytes[position ..< position + n], as: UTF8.self)
    }

    mutating func strings() throws -> [String] {
        let n = try int()
        // Each string takes at least its 8-byte length.
        guard n >= 0, n <= (bytes.count - position) / 8 else { throw Malformed() }
        return try (0 ..< n).map { _ in try string() }
    }

    /// A file offset written as an `int`, -1 for none; other negative values are malformed.
    mutating func optionalOffset() throws -> Int? {
        let n = try int()
        guard n >= -1 else { throw Malformed() }
        return n == -1 ? nil : n
    }

    /// A message written by `append(_: WireMessage)`.
    mutating func message() throws -> WireMessage {
        let n = try int()
        guard n >= 0, n <= bytes.count - position else { throw Malformed() }
        defer { position += n }
        return WireMessage(bytes: Array(bytes[position ..< position + n]))
    }

    mutating func ints() throws -> [Int] {
        let n = try int()
        guard n >= 0, n <= (bytes.count - position) / 8 else { throw Malformed() }
        return try (0 ..< n).map { _ in try int() }
    }

    // MARK: Errors

    /// A `StrataError` as the worker sends it: kind, message and detail (the worker knows no file).
    mutating func append(_ error: StrataError) {
        append(error.kind.rawValue)
        append(error.message)
        append(error.location.detail ?? "")
    }

    mutating func error() throws -> StrataError {
        let kind = StrataError.Kind(rawValue: try string()) ?? .corruptFile
        let message = try string()
        let detail = try string()
        return StrataError(kind, message, at: ErrorLocation(detail: detail.isEmpty ? nil : detail))
    }
}
