import StrataCore

extension KerasLayerTable {
    /// Add, Subtract, Multiply, Average, Maximum, Minimum, Concatenate.
    static let merging: [String: KerasLayerLowering] = [
        "Add": { try variadic($0, "Sum") },
        "Multiply": { try chained($0, "Mul") },
        "Average": { try variadic($0, "Mean") },
        "Maximum": { try variadic($0, "Max") },
        "Minimum": { try variadic($0, "Min") },
        "Subtract": { ctx in
            guard ctx.inputs.count == 2 else { throw ctx.error("expected 2 input tensors, got \(ctx.inputs.count)") }
            return [try ctx.emit("Sub", ctx.inputs)]
        },
        "Concatenate": { ctx in
            guard let first = ctx.inputs.first else { throw ctx.error("expected input tensors") }
            let axis = try ctx.int("axis", default: -1)
            let rank = try ctx.rank(first)
            return [try ctx.emit("Concat", ctx.inputs, ["axis": .int(axis < 0 ? axis + rank : axis)])]
        },
    ]

    static func variadic(_ ctx: KerasLayerContext, _ op: String) throws -> [String] {
        guard !ctx.inputs.isEmpty else { throw ctx.error("expected input tensors") }
        return [try ctx.emit(op, ctx.inputs)]
    }

    /// Left to right, as Keras multiplies (the rounding matches).
    static func chained(_ ctx: KerasLayerContext, _ op: String) throws -> [String] {
        guard var y = ctx.inputs.first else { throw ctx.error("expected input tensors") }
        for other in ctx.inputs.dropFirst() { y = try ctx.emit(op, [y, other]) }
        return [y]
    }
}
