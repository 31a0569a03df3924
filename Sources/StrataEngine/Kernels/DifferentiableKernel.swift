import StrataCore

/// A kernel whose op has a backward rule: given the gradients of the node's outputs, it returns
/// the gradients of the inputs the caller wants. Rules live beside their kernel
/// (`Kernels/<Family>/<Kernel>+Backward.swift`) and reuse the attributes the kernel parsed.
///
/// Gradients are float32 and shaped like the value they belong to. A rule reads only the forward
/// values it declared in `savedForBackward`; the engine keeps exactly those from the forward pass.
protocol DifferentiableKernel: Kernel {
    /// The forward values `backward` reads when the inputs flagged in `wanted` need gradients.
    func savedForBackward(wanted: [Bool]) -> SavedValues
    /// The input gradients: one entry per node input, nil where not wanted (or identically zero).
    func backward(_ step: BackwardStep, context: ExecutionContext) throws -> [Tensor?]
}

/// Which of a node's forward values a backward rule reads.
struct SavedValues: Sendable, Equatable {
    var inputs: Set<Int> = []
    var outputs: Set<Int> = []

    static let none = SavedValues()
    static func inputs(_ i: Int...) -> SavedValues { SavedValues(inputs: Set(i)) }
    static func outputs(_ i: Int...) -> SavedValues { SavedValues(inputs: [], outputs: Set(i)) }
}

/// One node's backward call.
struct BackwardStep {
    /// The node's forward inputs: the saved ones, nil for the others.
    let inputs: [Tensor?]
    /// Every input's shape (nil for an absent optional input).
    let inputShapes: [[Int]?]
    /// The node's forward outputs: the saved ones, nil for the others.
    let outputs: [Tensor?]
    /// The gradient of each output, nil where the score does not depend on it (zero).
    let gradients: [Tensor?]
    /// Per input, whether its gradient is wanted.
    let wanted: [Bool]
    /// The node, for error locations.
    let node: Node

    /// Input `i`'s saved value; a programmer error when the rule did not declare it.
    func input(_ i: Int) -> Tensor {
        guard i < inputs.count, let t = inputs[i] else { preconditionFailure("backward rule read unsaved input \(i) of \(node.opType)") }
        return t
    }

    func output(_ i: Int) -> Tensor {
        guard i < outputs.count, let t = outputs[i] else { preconditionFailure("backward rule read unsaved output \(i) of \(node.opType)") }
        return t
    }

    func shape(_ i: Int) -> [Int] {
        guard i < inputShapes.count, let s = inputShapes[i] else { preconditionFailure("input \(i) of \(node.opType) has no shape") }
        return s
    }

    /// The first output's gradient (rules of single-output ops; the engine calls a rule only when
    /// some output gradient exists).
    var gradient: Tensor { gradients[0]! }

    func wants(_ i: Int) -> Bool { i < wanted.count && wanted[i] }
}
