import Foundation

/// A JSON value from a Keras config, with lenient typed accessors (`nil` when absent or of another type).
public indirect enum KerasJSON: Sendable, Decodable {
    case null
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case array([KerasJSON])
    case object([String: KerasJSON])

    public init(from decoder: Decoder) throws {
        // Each failed `decode` costs an error with its coding path, and configs are mostly strings:
        // they are tried first. (A string "NaN" stays a string; `double` reads it as NaN.)
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null }
        else if let s = try? c.decode(String.self) { self = .string(s) }
        else if let b = try? c.decode(Bool.self) { self = .bool(b) }
        else if let i = try? c.decode(Int.self) { self = .int(i) }
        else if let d = try? c.decode(Double.self) { self = .double(d) }
        else if let a = try? c.decode([KerasJSON].self) { self = .array(a) }
        else { self = .object(try c.decode([String: KerasJSON].self)) }
    }

    /// Parses JSON text; invalid JSON is nil.
    public static func parse(_ text: String) -> KerasJSON? {
        // Keras writes NaN/Infinity for some float defaults; JSONDecoder rejects them unless told.
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(
            positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        return try? decoder.decode(KerasJSON.self, from: Data(text.utf8))
    }

    public subscript(key: String) -> KerasJSON? {
        if case .object(let o) = self { return o[key] }
        return nil
    }

    public var isNull: Bool { if case .null = self { return true } else { return false } }
    public var string: String? { if case .string(let s) = self { return s } else { return nil } }
    public var bool: Bool? { if case .bool(let b) = self { return b } else { return nil } }
    public var array: [KerasJSON]? { if case .array(let a) = self { return a } else { return nil } }
    public var object: [String: KerasJSON]? { if case .object(let o) = self { return o } else { return nil } }

    public var int: Int? {
        switch self {
        case .int(let i): return i
        // A whole number that Int cannot hold (1e300, a 40-digit literal) is not an Int either.
        case .double(let d): return Int(exactly: d)
        default: return nil
        }
    }

    public var double: Double? {
        switch self {
        case .int(let i): return Double(i)
        case .double(let d): return d
        case .string("NaN"): return .nan
        case .string("Infinity"): return .infinity
        case .string("-Infinity"): return -.infinity
        default: return nil
        }
    }

    /// An int list; a single int `n` reads as `[n]` (Keras accepts both for sizes and strides).
    public var ints: [Int]? {
        if let i = int { return [i] }
        guard let a = array else { return nil }
        let values = a.compactMap(\.int)
        return values.count == a.count ? values : nil
    }
}
