import Foundation

/// Reading JSON documents into `JSONValue`, and typed access to their parts.
extension JSONValue {
    /// Parses JSON text (`JSONScanner`). Numbers written without fraction or exponent that fit in `Int`
    /// become `.int`, others `.double` (parsed exactly, so a double written by `rendered()` reads back
    /// bit for bit). Object members come out sorted by key; of a repeated key the last value is kept.
    /// Malformed text, numbers out of `Double`'s range and nesting deeper than
    /// `JSONScanner.maximumDepth` are a `.corruptFile` error naming `file`.
    public static func parse(_ data: Data, file: String? = nil) throws -> JSONValue {
        do {
            return try data.withUnsafeBytes { raw throws(JSONScanner.Failure) in
                try JSONScanner.parse(raw.bindMemory(to: UInt8.self), as: JSONValue.self)
            }
        } catch {
            throw StrataError(.corruptFile, "not valid JSON: \(error)", at: ErrorLocation(file: file))
        }
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
