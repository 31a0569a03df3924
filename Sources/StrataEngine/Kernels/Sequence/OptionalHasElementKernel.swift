import StrataCore

/// `OptionalHasElement`: whether the optional input holds a value, as a bool scalar. A tensor or
/// sequence input counts as holding one and an absent input as empty (opset 18's forms).
struct OptionalHasElementKernel: ValueKernel {
    init(_ ctx: KernelBuildContext) throws {}

    func run(values: [Value?], context: ExecutionContext) throws -> [Value] {
        var has = false
        if let value = values.first ?? nil {
            if case .optional(let held, _) = value { has = held != nil } else { has = true }
        }
        return [.tensor(Tensor([has], shape: []))]
    }
}
