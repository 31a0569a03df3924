/// What Strata knows about one op type before running it: how many inputs and outputs it takes,
/// which opset versions it supports, and its type (dtype and shape) rule.
public struct OpSchema: Sendable {
    public typealias Inference = @Sendable (InferenceContext) throws -> [ValueType]
    public typealias ShapeValueRule = @Sendable (InferenceContext) throws -> [Dim]?

    public let opType: String
    /// "" for `ai.onnx`.
    public let domain: String
    /// Opset versions of `domain` Strata implements for this op.
    public let opsets: ClosedRange<Int>
    public let inputs: ClosedRange<Int>
    public let outputs: ClosedRange<Int>
    public let category: OpCategory
    /// Output types from input types (and constant inputs when the rule needs values).
    public let infer: Inference
    /// For ops that compute shapes (Shape, Gather, Concat on int64 vectors ...): the contents of
    /// the (first) output as dimensions, so that `Reshape` after them gets a shape without running.
    public let shapeValue: ShapeValueRule?
    /// The typed form of the op's attributes (`NoAttributes` for an op without any).
    public let attributes: any OpAttributes.Type

    public init(
        _ opType: String, domain: String = "", opsets: ClosedRange<Int> = 1...OpRegistry.latestOpset,
        inputs: ClosedRange<Int>, outputs: ClosedRange<Int> = 1...1, category: OpCategory,
        attributes: any OpAttributes.Type = NoAttributes.self, shapeValue: ShapeValueRule? = nil,
        infer: @escaping Inference
    ) {
        self.opType = opType
        self.domain = domain
        self.opsets = opsets
        self.inputs = inputs
        self.outputs = outputs
        self.category = category
        self.infer = infer
        self.shapeValue = shapeValue
        self.attributes = attributes
    }
}
