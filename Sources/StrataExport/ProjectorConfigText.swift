import Foundation
import StrataCore

/// A `projector_config.pbtxt` as text (a `ProjectorConfig` in protobuf text format), read just far
/// enough to find its top-level `embeddings` entries and their `tensor_path`, so that an entry can be
/// dropped and others appended while everything else in the file stays byte for byte as it was.
///
/// The reader knows the text format's syntax, not `ProjectorConfig`'s fields: comments (`#`),
/// strings in either quote with C escapes (adjacent strings joined), scalars, `[a, b]` lists,
/// `[extension.names]`, messages in `{ }` or `< >`, and optional `,`/`;` separators. Nesting is
/// bounded (64 levels) so a hostile file cannot exhaust the stack.
public struct ProjectorConfigText: Sendable {
    /// One top-level `embeddings { … }` entry.
    public struct Entry: Sendable {
        /// The entry's UTF-8 bytes in the text, from its field name to its closing bracket (and a
        /// separator after it, if any).
        public var range: Range<Int>
        /// Its `tensor_path`, unescaped; nil when it has none.
        public var tensorPath: String?
        /// Its `tensor_name`, unescaped; nil when it has none.
        public var tensorName: String?
    }

    public let bytes: [UInt8]
    public private(set) var entries: [Entry] = []

    static let maxDepth = 64

    /// Reads `text`; throws `invalidInput` located at `file` where it is not protobuf text format.
    public init(_ text: [UInt8], file: String) throws {
        bytes = text
        var reader = Reader(bytes: text, file: file)
        entries = try reader.topLevel()
    }

    /// The text with the entries for which `drop` is true removed and `appended` added at the end
    /// (after a line break when the text does not end in one).
    public func replacing(where drop: (Entry) -> Bool, appending appended: String) -> [UInt8] {
        var out: [UInt8] = []
        var at = 0
        for entry in entries where drop(entry) {
            out += bytes[at ..< entry.range.lowerBound]
            at = entry.range.upperBound
            // The dropped entry's own line break goes with it.
            if at < bytes.count, bytes[at] == UInt8(ascii: "\n") { at += 1 }
        }
        out += bytes[at...]
        if let last = out.last, last != UInt8(ascii: "\n") { out.append(UInt8(ascii: "\n")) }
        return out + Array(appended.utf8)
    }

    /// The tokenizer and recursive reader.
    private struct Reader {
        enum Token: Equatable {
            case word(String)
            case string([UInt8])
            case symbol(UInt8)
        }

        let bytes: [UInt8]
        let file: String
        var at = 0
        /// The start of the token `next` returned last, and of the one before it is peeked.
        var tokenStart = 0

        init(bytes: [UInt8], file: String) {
            self.bytes = bytes
            self.file = file
        }

        func error(_ detail: String) -> StrataError {
            StrataError(.invalidInput, "not a projector config in protobuf text format: \(detail) at byte \(tokenStart)",
                        at: ErrorLocation(file: file))
        }

        /// Skips white space and comments.
        mutating func skipSpace() {
            while at < bytes.count {
                let b = bytes[at]
                if b == UInt8(ascii: "#") {
                    while at < bytes.count, bytes[at] != UInt8(ascii: "\n") { at += 1 }
                } else if b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D || b == 0x0B || b == 0x0C {
                    at += 1
                } else {
                    return
                }
            }
        }

        /// The next token, or nil at the end of the text.
        mutating func next() throws -> Token? {
            skipSpace()
            tokenStart = at
            guard at < bytes.count else { return nil }
            let b = bytes[at]
            if b == UInt8(ascii: "\"") || b == UInt8(ascii: "'") {
                var value = try string()
                // Adjacent strings are one value.
                while true {
                    let saved = at
                    skipSpace()
                    guard at < bytes.count, bytes[at] == UInt8(ascii: "\"") || bytes[at] == UInt8(ascii: "'") else { at = saved; break }
                    value += try string()
                }
                return .string(value)
            }
            if Self.isWordByte(b) {
                let start = at
                while at < bytes.count, Self.isWordByte(bytes[at]) { at += 1 }
                return .word(String(decoding: bytes[start ..< at], as: UTF8.self))
            }
            if "{}<>[]:,;".utf8.contains(b) {
                at += 1
                return .symbol(b)
            }
            throw error("unexpected byte 0x\(String(b, radix: 16))")
        }

        mutating func peek() throws -> Token? {
            let saved = (at, tokenStart)
            defer { (at, tokenStart) = saved }
            return try next()
        }

        static func isWordByte(_ b: UInt8) -> Bool {
            (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || "_.+-".utf8.contains(b)
        }

        /// One quoted string at `at`, its escapes decoded to bytes.
        mutating func string() throws -> [UInt8] {
            let quote = bytes[at]
            at += 1
            var out: [UInt8] = []
            while true {
                guard at < bytes.count, bytes[at] != UInt8(ascii: "\n") else { throw error("unterminated string") }
                let b = bytes[at]
                at += 1
                if b == quote { return out }
                guard b == UInt8(ascii: "\\") else { out.append(b); continue }
                guard at < bytes.count else { throw error("unterminated string") }
                let e = bytes[at]
                at += 1
                switch e {
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "a"): out.append(0x07)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "v"): out.append(0x0B)
                case UInt8(ascii: "0") ... UInt8(ascii: "7"):
                    var value = Int(e - UInt8(ascii: "0"))
                    for _ in 0 ..< 2 {
                        guard at < bytes.count, (UInt8(ascii: "0") ... UInt8(ascii: "7")).contains(bytes[at]) else { break }
                        value = value * 8 + Int(bytes[at] - UInt8(ascii: "0"))
                        at += 1
                    }
                    guard value <= 0xFF else { throw error("octal escape above \\377") }
                    out.append(UInt8(value))
                case UInt8(ascii: "x"):
                    var value = 0, digits = 0
                    while digits < 2, at < bytes.count, let d = Self.hexDigit(bytes[at]) {
                        value = value * 16 + d
                        digits += 1
                        at += 1
                    }
                    guard digits > 0 else { throw error("\\x without hex digits") }
                    out.append(UInt8(value))
                default:
                    // \\, \', \", \? stand for themselves.
                    out.append(e)
                }
            }
        }

        static func hexDigit(_ b: UInt8) -> Int? {
            switch b {
            case UInt8(ascii: "0") ... UInt8(ascii: "9"): return Int(b - UInt8(ascii: "0"))
            case UInt8(ascii: "a") ... UInt8(ascii: "f"): return Int(b - UInt8(ascii: "a")) + 10
            case UInt8(ascii: "A") ... UInt8(ascii: "F"): return Int(b - UInt8(ascii: "A")) + 10
            default: return nil
            }
        }

        /// The whole text as a message; the top-level `embeddings` entries it holds.
        mutating func topLevel() throws -> [Entry] {
            var entries: [Entry] = []
            while let token = try next() {
                let start = tokenStart
                let name = try fieldName(token)
                let fields = try value(depth: 1, collect: name == "embeddings")
                if name == "embeddings" {
                    entries.append(Entry(range: start ..< at, tensorPath: fields["tensor_path"].map { String(decoding: $0, as: UTF8.self) },
                                         tensorName: fields["tensor_name"].map { String(decoding: $0, as: UTF8.self) }))
                }
            }
            return entries
        }

        /// A field's name: a word, or `[extension.name]`.
        mutating func fieldName(_ token: Token) throws -> String {
            switch token {
            case .word(let name): return name
            case .symbol(UInt8(ascii: "[")):
                var name = "["
                while true {
                    guard let t = try next() else { throw error("unterminated extension name") }
                    if t == .symbol(UInt8(ascii: "]")) { return name + "]" }
                    guard case .word(let part) = t else { throw error("bad extension name") }
                    name += part
                }
            default: throw error("expected a field name")
            }
        }

        /// What follows a field name: `: scalar`, `: [list]`, or `[:] { message }`; then an optional
        /// separator. With `collect`, returns the direct string fields of a message value.
        @discardableResult
        mutating func value(depth: Int, collect: Bool) throws -> [String: [UInt8]] {
            var strings: [String: [UInt8]] = [:]
            var colon = false
            if try peek() == .symbol(UInt8(ascii: ":")) {
                _ = try next()
                colon = true
            }
            guard let token = try next() else { throw error("a field without a value") }
            switch token {
            case .symbol(UInt8(ascii: "{")), .symbol(UInt8(ascii: "<")):
                strings = try message(closing: token == .symbol(UInt8(ascii: "{")) ? UInt8(ascii: "}") : UInt8(ascii: ">"), depth: depth, collect: collect)
            case .symbol(UInt8(ascii: "[")) where colon:
                if try peek() == .symbol(UInt8(ascii: "]")) {
                    _ = try next()
                } else {
                    while true {
                        try listElement(depth: depth)
                        guard let t = try next() else { throw error("unterminated list") }
                        if t == .symbol(UInt8(ascii: "]")) { break }
                        guard t == .symbol(UInt8(ascii: ",")) else { throw error("expected ',' or ']' in a list") }
                    }
                }
            case .word, .string:
                guard colon else { throw error("a scalar value needs ':'") }
            default:
                throw error("expected a value")
            }
            if let t = try peek(), t == .symbol(UInt8(ascii: ",")) || t == .symbol(UInt8(ascii: ";")) { _ = try next() }
            return strings
        }

        mutating func listElement(depth: Int) throws {
            guard let token = try next() else { throw error("unterminated list") }
            switch token {
            case .symbol(UInt8(ascii: "{")): try message(closing: UInt8(ascii: "}"), depth: depth, collect: false)
            case .symbol(UInt8(ascii: "<")): try message(closing: UInt8(ascii: ">"), depth: depth, collect: false)
            case .word, .string: return
            default: throw error("expected a list element")
            }
        }

        /// The fields of a message up to its `closing` bracket; with `collect`, its string fields.
        @discardableResult
        mutating func message(closing: UInt8, depth: Int, collect: Bool) throws -> [String: [UInt8]] {
            var strings: [String: [UInt8]] = [:]
            guard depth < ProjectorConfigText.maxDepth else { throw error("messages nested more than \(ProjectorConfigText.maxDepth) deep") }
            while true {
                guard let token = try next() else { throw error("unterminated message") }
                if token == .symbol(closing) { return strings }
                let name = try fieldName(token)
                if collect, try peek() == .symbol(UInt8(ascii: ":")) {
                    let saved = (at, tokenStart)
                    _ = try next()
                    if case .string(let value)? = try next() { strings[name] = value }
                    (at, tokenStart) = saved
                }
                try value(depth: depth + 1, collect: false)
            }
        }
    }
}
