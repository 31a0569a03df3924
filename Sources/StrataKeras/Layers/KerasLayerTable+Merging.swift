import StrataCore

extension KerasLayerTable {
    /// Add, Subtract, Multiply, Average, Maximum, Minimum, Concatenate.
    static let merging: [String: KerasLayerLowering] = mergingLowerings.mapValues { lowering in
        { ctx in
            ctx.settleMergeMask()
            return try lowering(ctx)
        }
    }

    private static let mergingLowerings: [String: KerasLayerLowering] = [
        "Add": { try variadic($0, "Sum") },
        "Multiply": { try chained($0, "Mul") },
        "Average": { try variadic($0, "Mean") },
        "Maximum": { try variadic($0, "Max") },
        "Minimum": { try variadic($0, "Min") },
        "Subtract": { ctx in
            let operands = try ctx.operandValues()
            guard operands.count == 2 else { throw ctx.error("expected 2 inputs, got \(operands.count)") }
            return [try ctx.layoutFree(operands) { try ctx.emit("Sub", $0) }]
        },
        "Concatenate": { ctx in
            guard let first = ctx.inputs.first else { throw ctx.error("expected input tensors") }
            let axis = try ctx.int("axis", default: -1)
            let rank = try ctx.rank(first)
            return [try ctx.emit("Concat", ctx.inputs, ["axis": .int(axis < 0 ? axis + rank : axis)])]
        },
    ]

    static func variadic(_ ctx: KerasLayerContext, _ op: String) throws -> [String] {
        let operands = try ctx.operandValues()
        guard !operands.isEmpty else { throw ctx.error("expected input tensors") }
        return [try ctx.layoutFree(operands) { try ctx.emit(op, $0) }]
    }

    /// Left to right, as Keras multiplies (the rounding matches).
    static func chained(_ ctx: KerasLayerContext, _ op: String) throws -> [String] {
        let operands = try ctx.operandValues()
        guard !operands.isEmpty else { throw ctx.error("expected input tensors") }
        return [try ctx.layoutFree(operands) { values in
            var y = values[0]
            for other in values.dropFirst() { y = try ctx.emit(op, [y, other]) }
            return y
        }]
    }
}
