/// What a type rule sees of one node: the node itself and what is known about its inputs.
public struct InferenceContext: Sendable {
    public let node: Node
    /// One entry per node input; nil when absent ("" or missing) or unknown.
    public let inputTypes: [ValueType?]
    /// Input values known before running (initializers, constants, folded shape computations).
    public let constants: [Tensor?]
    /// Contents of small integer inputs as dimensions (possibly symbolic), from shape computations.
    public let shapeValues: [[Dim]?]

    public init(node: Node, inputTypes: [ValueType?], constants: [Tensor?] = [], shapeValues: [[Dim]?] = []) {
        self.node = node
        self.inputTypes = inputTypes
        self.constants = constants
        self.shapeValues = shapeValues
    }

    public var inputCount: Int { inputTypes.count }

    /// Whether input `i` was given.
    public func hasInput(_ i: Int) -> Bool { node.input(i) != nil }

    /// The type of input `i`, which must be known and a tensor type (a sequence or optional given
    /// to a tensor op is an error naming the input).
    public func type(_ i: Int) throws -> ValueType {
        let t = try valueType(i)
        guard t.isTensor else { throw error("input \(i) ('\(node.inputs[i])') is \(t), not a tensor") }
        return t
    }

    /// The type of input `i` of any kind (tensor, sequence, optional), which must be known.
    public func valueType(_ i: Int) throws -> ValueType {
        guard i < inputTypes.count, let t = inputTypes[i] else { throw Unknown() }
        return t
    }

    /// The shape of input `i`, which must be known.
    public func shape(_ i: Int) throws -> [Dim] {
        guard let s = try type(i).shape else { throw Unknown() }
        return s
    }

    public func constant(_ i: Int) -> Tensor? { i < constants.count ? constants[i] : nil }

    /// Input `i`'s contents as dimensions: from a constant int tensor, or from a shape computation.
    public func dimsValue(_ i: Int) -> [Dim]? {
        if let t = constant(i), t.dtype.isInteger { return t.ints().map { .known($0) } }
        return i < shapeValues.count ? shapeValues[i] : nil
    }

    public func error(_ message: String) -> StrataError { node.error(message) }

    /// Thrown by a rule when what it needs is not known yet; the driver marks outputs unknown.
    /// Not an error in the model.
    public struct Unknown: Error {
        public init() {}
    }
}
