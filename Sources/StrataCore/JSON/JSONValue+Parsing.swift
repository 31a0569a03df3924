import Foundation

/// Reading JSON documents into `JSONValue`, and typed access to their parts.
extension JSONValue {
    /// Parses JSON text. Numbers written without fraction or exponent that fit in `Int` become `.int`,
    /// others `.double` (parsed exactly, so a double written by `rendered()` reads back bit for bit).
    /// Object members come out sorted by key. Malformed text, numbers out of `Double`'s range and nesting
    /// deeper than Foundation's parser allows are a `.corruptFile` error naming `file`.
    public static func parse(_ data: Data, file: String? = nil) throws -> JSONValue {
        do {
            return try JSONDecoder().decode(ParsedJSON.self, from: data).value
        } catch let error as DecodingError {
            throw StrataError(.corruptFile, "not valid JSON: \(Self.reason(error))", at: ErrorLocation(file: file))
        } catch {
            throw StrataError(.corruptFile, "not valid JSON: \(error)", at: ErrorLocation(file: file))
        }
    }

    private static func reason(_ error: DecodingError) -> String {
        let context: DecodingError.Context
        switch error {
        case .dataCorrupted(let c), .typeMismatch(_, let c), .valueNotFound(_, let c), .keyNotFound(_, let c): context = c
        @unknown default: return String(describing: error)
        }
        var text = context.debugDescription
        if let underlying = context.underlyingError {
            let detail = (underlying as NSError).userInfo[NSDebugDescriptionErrorKey] as? String ?? String(describing: underlying)
            text += " (\(detail))"
        }
        if !context.codingPath.isEmpty {
            text += " at " + context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
        }
        return text
    }

    /// The member `key` of an object; nil for a missing key or a value that is not an object.
    public subscript(key: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        return members.first { $0.0 == key }?.1
    }

    public var isNull: Bool { if case .null = self { return true } else { return false } }

    public var string: String? { if case .string(let s) = self { return s } else { return nil } }

    public var bool: Bool? { if case .bool(let b) = self { return b } else { return nil } }

    public var array: [JSONValue]? { if case .array(let a) = self { return a } else { return nil } }

    public var members: [(String, JSONValue)]? { if case .object(let m) = self { return m } else { return nil } }

    /// An integer: `.int`, or a `.double` holding a whole number that fits in `Int`.
    public var int: Int? {
        switch self {
        case .int(let i): return i
        case .double(let d) where d == d.rounded() && abs(d) < 0x1p63: return Int(d)
        default: return nil
        }
    }

    /// A number (`.int` or `.double`) as a `Double`.
    public var double: Double? {
        switch self {
        case .int(let i): return Double(i)
        case .double(let d): return d
        default: return nil
        }
    }
}

/// The decoding bridge from Foundation's parser to `JSONValue`.
private struct ParsedJSON: Decodable {
    let value: JSONValue

    init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() {
            value = .null
        } else if let b = try? c.decode(Bool.self) {
            value = .bool(b)
        } else if let i = try? c.decode(Int.self) {
            value = .int(i)
        } else if let d = try? c.decode(Double.self) {
            value = .double(d)
        } else if let s = try? c.decode(String.self) {
            value = .string(s)
        } else if let a = try? c.decode([ParsedJSON].self) {
            value = .array(a.map(\.value))
        } else {
            let members = try c.decode([String: ParsedJSON].self)
            value = .object(members.map { ($0.key, $0.value.value) }.sorted { $0.0 < $1.0 })
        }
    }
}
