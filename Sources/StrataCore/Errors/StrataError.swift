/// Every error Strata reports about user data: what kind of problem, where, and what exactly.
///
/// Rendered as one line, e.g.
/// `resnet50.onnx: node 'conv1' (Conv), attribute 'kernel_shape': expected ints, found string`.
public struct StrataError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Kind: String, Sendable, Hashable {
        /// The file cannot be read or written at the OS level.
        case io
        /// The bytes are not a well-formed file of the expected format (truncated, corrupt).
        case corruptFile
        /// Well formed, but not a model Strata can make sense of (missing initializer, cycle).
        case invalidModel
        /// An op, layer, dtype, attribute value or format feature Strata does not support.
        case unsupported
        /// The user's input data or arguments are wrong (shape, dtype, selector).
        case invalidInput
        /// A path would leave the folder it must stay in.
        case unsafePath
        /// A size beyond what the process may use: the memory limit, a thread count.
        case resourceLimit
    }

    public var kind: Kind
    public var location: ErrorLocation
    public var message: String

    public init(_ kind: Kind, _ message: String, at location: ErrorLocation = ErrorLocation()) {
        self.kind = kind
        self.message = message
        self.location = location
    }

    /// This error with missing location fields filled from `outer`.
    public func located(_ outer: ErrorLocation) -> StrataError {
        var copy = self
        copy.location = location.merged(into: outer)
        return copy
    }

    public func inFile(_ file: String) -> StrataError { located(ErrorLocation(file: file)) }

    /// This error, raised inside a subgraph, placed in the node holding it: `context` reads like
    /// `in node 'loop_1' (Loop) body, iteration 3` and goes before the contexts already there.
    public func inSubgraph(_ context: String) -> StrataError {
        var copy = self
        copy.location.enclosing.insert(context, at: 0)
        return copy
    }

    public func atNode(_ name: String, opType: String?) -> StrataError {
        located(ErrorLocation(node: name, opType: opType))
    }

    /// The error as one line: control characters from files (a newline in a layer name, terminal escape
    /// sequences) are shown escaped (`\n`, `\u{1B}`), so the line stays one line and prints as text.
    public var description: String { Self.escapingControlCharacters(rawDescription) }

    private var rawDescription: String {
        var head: [String] = []
        if let file = location.file { head.append(file) }
        head += location.enclosing
        var place = ""
        if let node = location.node {
            place = "node '\(node)'"
            if let op = location.opType { place += " (\(op))" }
        } else if let op = location.opType {
            place = "op \(op)"
        }
        if let detail = location.detail { place += place.isEmpty ? detail : ", \(detail)" }
        if !place.isEmpty { head.append(place) }
        return head.isEmpty ? message : head.joined(separator: ": ") + ": " + message
    }
}

extension StrataError {
    static func escapingControlCharacters(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: isControl) else { return text }
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where isControl(scalar): out += "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// C0 and C1 controls, DEL, and the line and paragraph separators.
    private static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || (0x7F ... 0x9F).contains(scalar.value) || scalar.value == 0x2028 || scalar.value == 0x2029
    }
}

extension Error {
    /// Attaches location to a `StrataError`; other errors become `.io` errors with their description.
    public func strata(at location: ErrorLocation) -> StrataError {
        if let e = self as? StrataError { return e.located(location) }
        return StrataError(.io, String(describing: self), at: location)
    }
}
