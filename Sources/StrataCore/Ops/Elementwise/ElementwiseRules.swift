/// Type rules and shape-value rules shared by the elementwise op schemas.
enum ElementwiseRules {
    /// Output 0 has input 0's type (unary ops).
    static let sameAsInput: OpSchema.Inference = { ctx in [try ctx.type(0)] }

    /// All given inputs share one dtype; the output has it and their broadcast shape.
    static let broadcastSameType: OpSchema.Inference = { ctx in
        let dtype = try commonDType(ctx, inputs: Array(0..<ctx.inputCount))
        return [ValueType(dtype, try broadcastShape(ctx, inputs: Array(0..<ctx.inputCount)))]
    }

    /// Comparisons: inputs share one dtype, the output is bool with the broadcast shape.
    static let broadcastToBool: OpSchema.Inference = { ctx in
        _ = try commonDType(ctx, inputs: [0, 1])
        return [ValueType(.bool, try broadcastShape(ctx, inputs: [0, 1]))]
    }

    /// Logic ops: bool inputs, bool output with the broadcast shape.
    static let logical: OpSchema.Inference = { ctx in
        for i in 0..<ctx.inputCount where try ctx.type(i).dtype != .bool {
            throw ctx.error("input \(i) must be bool, found \(try ctx.type(i).dtype.rawValue)")
        }
        return [ValueType(.bool, try broadcastShape(ctx, inputs: Array(0..<ctx.inputCount)))]
    }

    /// The dtype all of `inputs` share; an error when two differ.
    static func commonDType(_ ctx: InferenceContext, inputs: [Int]) throws -> DType {
        let dtype = try ctx.type(inputs[0]).dtype
        for i in inputs.dropFirst() {
            let other = try ctx.type(i).dtype
            if other != dtype {
                throw ctx.error("inputs have different dtypes: \(dtype.rawValue) and \(other.rawValue)")
            }
        }
        return dtype
    }

    /// The broadcast shape of `inputs`, nil when one of them has an unknown rank.
    static func broadcastShape(_ ctx: InferenceContext, inputs: [Int]) throws -> [Dim]? {
        var shapes: [[Dim]] = []
        for i in inputs {
            guard let shape = try ctx.type(i).shape else { return nil }
            shapes.append(shape)
        }
        do {
            return try Broadcasting.shape(shapes)
        } catch let error as StrataError {
            throw error.located(ctx.node.location)
        }
    }

    /// Shape values of integer arithmetic on 1-D shape vectors with known sizes (`Shape` → `Mul` → `Reshape`).
    /// `combine` returns nil where the result is unknown (division by zero, overflow).
    static func shapeArithmetic(_ combine: @escaping @Sendable (Int, Int) -> Int?) -> OpSchema.ShapeValueRule {
        return { ctx in
            guard let a = vectorValue(ctx, 0), let b = vectorValue(ctx, 1) else { return nil }
            guard !a.isEmpty, !b.isEmpty, a.count == b.count || a.count == 1 || b.count == 1 else { return nil }
            let n = max(a.count, b.count)
            var result: [Dim] = []
            for k in 0..<n {
                guard let x = a[a.count == 1 ? 0 : k].value, let y = b[b.count == 1 ? 0 : k].value,
                      let v = combine(x, y) else { return nil }
                result.append(.known(v))
            }
            return result
        }
    }

    /// Input `i`'s contents as dims when it is an integer scalar or 1-D vector.
    static func vectorValue(_ ctx: InferenceContext, _ i: Int) -> [Dim]? {
        guard let type = ctx.inputTypes.indices.contains(i) ? ctx.inputTypes[i] : nil,
              type.dtype.isInteger, let rank = type.rank, rank <= 1 else { return nil }
        return ctx.dimsValue(i)
    }
}
