import StrataCore

/// The result of one gradient run: the forward values asked for, the gradients of the score
/// with respect to them, and what was scored.
public struct GradientRun: Sendable {
    /// The forward value of every `withRespectTo` tensor, by IR name.
    public var activations: [String: Tensor]
    /// d(score)/d(tensor) for every `withRespectTo` tensor, float32, in the tensor's shape. A
    /// tensor the score does not depend on gets zeros.
    public var gradients: [String: Tensor]
    /// The IR name of the output tensor that was scored (`GradientRequest.output` resolved).
    public var output: String
    /// The IR name of the tensor actually differentiated: the logits feeding the final Softmax,
    /// or `output` itself.
    public var scoredTensor: String
    /// Per batch row, the flat index (within the row) of the element differentiated.
    public var targetIndices: [Int]
    /// Per batch row, the value differentiated (logit or probability).
    public var scores: [Float]
    /// The scored output's value (probabilities when it ends in a Softmax).
    public var outputValue: Tensor
    /// The Softmax's input when the output is a Softmax's, else nil.
    public var logits: Tensor?
    /// The Softmax's output when the output is a Softmax's, else nil.
    public var probabilities: Tensor?
    /// Whether the differentiated value is a probability (the final Softmax's output) rather
    /// than a logit or a raw output.
    public var differentiatesProbability: Bool

    public init(activations: [String: Tensor], gradients: [String: Tensor], output: String, scoredTensor: String,
                targetIndices: [Int], scores: [Float], outputValue: Tensor, logits: Tensor?, probabilities: Tensor?,
                differentiatesProbability: Bool) {
        self.activations = activations
        self.gradients = gradients
        self.output = output
        self.scoredTensor = scoredTensor
        self.targetIndices = targetIndices
        self.scores = scores
        self.outputValue = outputValue
        self.logits = logits
        self.probabilities = probabilities
        self.differentiatesProbability = differentiatesProbability
    }
}
