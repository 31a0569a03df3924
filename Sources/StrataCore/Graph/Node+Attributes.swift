/// Typed attribute access whose failures name the node and the attribute.
extension Node {
    public func has(_ name: String) -> Bool { attributes[name] != nil }

    private func wrongType(_ name: String, expected: String, found: Attribute) -> StrataError {
        StrataError(.invalidModel, "expected \(expected), found \(found.typeName)",
                    at: ErrorLocation(node: self.name, opType: opType, detail: "attribute '\(name)'"))
    }

    public func missing(_ name: String) -> StrataError {
        StrataError(.invalidModel, "required attribute is missing",
                    at: ErrorLocation(node: self.name, opType: opType, detail: "attribute '\(name)'"))
    }

    /// An error about attribute `name` of this node.
    public func attributeError(_ name: String, _ message: String, kind: StrataError.Kind = .invalidModel) -> StrataError {
        StrataError(kind, message, at: ErrorLocation(node: self.name, opType: opType, detail: "attribute '\(name)'"))
    }

    /// An error about this node as a whole.
    public func error(_ message: String, kind: StrataError.Kind = .invalidModel) -> StrataError {
        StrataError(kind, message, at: location)
    }

    public func int(_ name: String) throws -> Int? {
        guard let a = attributes[name] else { return nil }
        guard case .int(let v) = a else { throw wrongType(name, expected: "int", found: a) }
        return v
    }

    public func int(_ name: String, default value: Int) throws -> Int { try int(name) ?? value }

    public func requiredInt(_ name: String) throws -> Int {
        guard let v = try int(name) else { throw missing(name) }
        return v
    }

    /// An int attribute that holds a flag: 0 or 1 (any non-zero value counts as set, as onnxruntime reads them).
    public func flag(_ name: String, default value: Bool) throws -> Bool {
        try int(name).map { $0 != 0 } ?? value
    }

    public func float(_ name: String) throws -> Float? {
        guard let a = attributes[name] else { return nil }
        switch a {
        case .float(let v): return v
        case .int(let v): return Float(v)
        default: throw wrongType(name, expected: "float", found: a)
        }
    }

    public func float(_ name: String, default value: Float) throws -> Float { try float(name) ?? value }

    public func string(_ name: String) throws -> String? {
        guard let a = attributes[name] else { return nil }
        guard case .string(let v) = a else { throw wrongType(name, expected: "string", found: a) }
        return v
    }

    public func string(_ name: String, default value: String) throws -> String { try string(name) ?? value }

    public func ints(_ name: String) throws -> [Int]? {
        guard let a = attributes[name] else { return nil }
        switch a {
        case .ints(let v): return v
        case .int(let v): return [v]
        default: throw wrongType(name, expected: "ints", found: a)
        }
    }

    public func floats(_ name: String) throws -> [Float]? {
        guard let a = attributes[name] else { return nil }
        switch a {
        case .floats(let v): return v
        case .float(let v): return [v]
        default: throw wrongType(name, expected: "floats", found: a)
        }
    }

    public func strings(_ name: String) throws -> [String]? {
        guard let a = attributes[name] else { return nil }
        switch a {
        case .strings(let v): return v
        case .string(let v): return [v]
        default: throw wrongType(name, expected: "strings", found: a)
        }
    }

    public func tensor(_ name: String) throws -> Tensor? {
        guard let a = attributes[name] else { return nil }
        guard case .tensor(let v) = a else { throw wrongType(name, expected: "tensor", found: a) }
        return v
    }

    /// Input `i` if present (not omitted and not "").
    public func input(_ i: Int) -> String? {
        i < inputs.count && !inputs[i].isEmpty ? inputs[i] : nil
    }
}
