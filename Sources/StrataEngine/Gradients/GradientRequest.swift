/// What `Engine.gradients(inputs:request:)` differentiates, and with respect to what.
///
/// The scalar differentiated is the sum over batch rows of each row's target element (the rows
/// are independent, so every row's gradients are those of its own score, as pytorch-grad-cam does
/// with one target per image). The scored tensor is `output` (default: the graph's first output);
/// when that output is computed by a `Softmax` (possibly through `Identity`/`Dropout`), the score
/// is the Softmax's input, the logit, unless `differentiateProbability` is set.
public struct GradientRequest: Sendable, Equatable {
    /// The element scored in each batch row.
    public var target: GradientTarget
    /// The IR name of the output tensor to score; nil for the graph's first output.
    public var output: String?
    /// Differentiate the Softmax output (the probability) instead of its input (the logit).
    public var differentiateProbability: Bool
    /// IR tensor names whose gradients are wanted: captured layers' tensors and/or graph inputs.
    public var withRespectTo: [String]

    public init(target: GradientTarget = .top, output: String? = nil, differentiateProbability: Bool = false,
                withRespectTo: [String]) {
        self.target = target
        self.output = output
        self.differentiateProbability = differentiateProbability
        self.withRespectTo = withRespectTo
    }
}
