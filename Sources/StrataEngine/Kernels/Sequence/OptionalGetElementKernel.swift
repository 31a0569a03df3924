import StrataCore

/// `OptionalGetElement`: the value an optional holds; a tensor or sequence input passes through
/// (opset 18's form). An empty optional is an error.
struct OptionalGetElementKernel: ValueKernel {
    let node: Node

    init(_ ctx: KernelBuildContext) throws {
        node = ctx.node
    }

    func run(values: [Value?], context: ExecutionContext) throws -> [Value] {
        guard let value = values.first ?? nil else { throw node.error("input 0 is missing", kind: .invalidInput) }
        guard case .optional(let held, let element) = value else { return [value] }
        guard let held else {
            throw node.error("the optional is empty (an empty optional of \(element) holds no element to get)", kind: .invalidInput)
        }
        return [held]
    }
}
