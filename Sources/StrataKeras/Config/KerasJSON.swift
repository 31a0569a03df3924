import StrataCore

/// A JSON value from a Keras config, with lenient typed accessors (`nil` when absent or of another type).
public indirect enum KerasJSON: Sendable {
    case null
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case array([KerasJSON])
    case object([String: KerasJSON])

    /// Parses JSON text; invalid JSON is nil. Python's `json`, which wrote the file, writes non-finite
    /// floats as `NaN`, `Infinity` and `-Infinity`, and they read as those doubles.
    public static func parse(_ text: String) -> KerasJSON? {
        var text = text
        return text.withUTF8 { try? JSONScanner.parse($0, as: KerasJSON.self, nonFinite: true) }
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
