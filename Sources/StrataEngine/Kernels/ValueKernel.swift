import StrataCore

/// A kernel whose inputs or outputs may be sequences or optionals (the sequence and optional ops,
/// control flow, `Identity` on them). The engine calls `run(values:context:)` for these nodes and
/// keeps their non-tensor results out of its tensor table; `run(_:context:)` serves callers that
/// hold tensors only (a run that gives a tensor for every output).
public protocol ValueKernel: Kernel {
    /// One entry per node input (nil for an absent optional input); one value per node output.
    func run(values: [Value?], context: ExecutionContext) throws -> [Value]
}

extension ValueKernel {
    public func run(_ inputs: [Tensor?], context: ExecutionContext) throws -> [Tensor] {
        try run(values: inputs.map { $0.map(Value.tensor) }, context: context).enumerated().map { i, value in
            guard case .tensor(let t) = value else {
                throw StrataError(.unsupported, "output \(i) is \(value.type), not a tensor")
            }
            return t
        }
    }
}
