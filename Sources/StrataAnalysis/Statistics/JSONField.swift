import StrataCore

/// A value inside a statistics document being read, with where it is (file, layer, field path), so
/// that every complaint about it names the place: `a.json: node 'conv1', field 'histogram.edges': …`.
struct JSONField {
    let value: JSONValue
    let file: String?
    let layer: String?
    let path: String

    init(_ value: JSONValue, file: String?, layer: String? = nil, path: String = "") {
        self.value = value
        self.file = file
        self.layer = layer
        self.path = path
    }

    func error(_ message: String) -> StrataError {
        StrataError(.invalidInput, message, at: ErrorLocation(file: file, node: layer, detail: path.isEmpty ? nil : "field '\(path)'"))
    }

    private func child(_ value: JSONValue, _ name: String) -> JSONField {
        JSONField(value, file: file, layer: layer, path: path.isEmpty ? name : name.hasPrefix("[") ? path + name : path + "." + name)
    }

    /// The same value as the entry of `layer`: its fields are named from there on.
    func inLayer(_ layer: String) -> JSONField { JSONField(value, file: file, layer: layer) }

    /// Member `key`, which must be present.
    func field(_ key: String) throws -> JSONField {
        guard value.members != nil else { throw error("expected an object, found \(kind)") }
        guard let v = value[key] else { throw child(.null, key).error("is missing") }
        return child(v, key)
    }

    /// Member `key`, or nil when it is missing or null.
    func optionalField(_ key: String) throws -> JSONField? {
        guard value.members != nil else { throw error("expected an object, found \(kind)") }
        guard let v = value[key], !v.isNull else { return nil }
        return child(v, key)
    }

    var kind: String {
        switch value {
        case .null: return "null"
        case .bool: return "a boolean"
        case .int, .double: return "a number"
        case .string: return "a string"
        case .array: return "an array"
        case .object: return "an object"
        }
    }

    func string() throws -> String {
        guard let s = value.string else { throw error("expected a string, found \(kind)") }
        return s
    }

    /// A whole number, at least 0.
    func count() throws -> Int {
        guard let i = value.int else { throw error("expected a whole number, found \(kind)") }
        guard i >= 0 else { throw error("expected a number ≥ 0, found \(i)") }
        return i
    }

    /// A finite number.
    func number() throws -> Double {
        guard let d = value.double, d.isFinite else { throw error("expected a finite number, found \(kind)") }
        return d
    }

    func items() throws -> [JSONField] {
        guard let a = value.array else { throw error("expected an array, found \(kind)") }
        return a.enumerated().map { child($0.element, "[\($0.offset)]") }
    }
}
