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

    public func atNode(_ name: String, opType: String?) -> StrataError {
        located(ErrorLocation(node: name, opType: opType))
    }

    public var description: String {
        var head: [String] = []
        if let file = location.file { head.append(file) }
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

extension Error {
    /// Attaches location to a `StrataError`; other errors become `.io` errors with their description.
    public func strata(at location: ErrorLocation) -> StrataError {
        if let e = self as? StrataError { return e.located(location) }
        return StrataError(.io, String(describing: self), at: location)
    }
}
