/// Shape-value rules: what the shape ops compute when their inputs are (symbolic) shapes, so
/// that a Reshape fed by an exporter's Shape→Gather→Concat chain gets its shape without running.
/// Each returns nil when the value is not known.
extension ShapeTypeRules {
    static func shapeOfInput(_ ctx: InferenceContext) throws -> [Dim]? {
        guard let shape = ctx.inputTypes.first??.shape else { return nil }
        return Array(shape[try shapeRange(ctx.node, rank: shape.count)])
    }

    static func sizeOfInput(_ ctx: InferenceContext) throws -> [Dim]? {
        guard let shape = ctx.inputTypes.first??.shape else { return nil }
        return [ShapeAlgebra.product(shape)]
    }

    static func gatherValue(_ ctx: InferenceContext) throws -> [Dim]? {
        guard let data = ctx.dimsValue(0), let indexType = ctx.inputTypes[1], let indexShape = indexType.shape,
              indexShape.count <= 1, let indices = ctx.dimsValue(1)?.concrete,
              (ctx.inputTypes[0]?.rank ?? 1) == 1
        else { return nil }
        return try indices.map { i in
            let k = i < 0 ? i + data.count : i
            guard k >= 0 && k < data.count else {
                throw ctx.node.error("index \(i) is out of range for a dimension of size \(data.count)")
            }
            return data[k]
        }
    }

    static func concatValue(_ ctx: InferenceContext) throws -> [Dim]? {
        var out: [Dim] = []
        for i in 0..<ctx.inputCount {
            guard let v = ctx.dimsValue(i), (ctx.inputTypes[i]?.rank ?? 1) <= 1 else { return nil }
            out += v
        }
        return out
    }

    /// Squeeze, Unsqueeze and Reshape keep a (≤ 1-D) shape value's contents.
    static func sameValue(_ ctx: InferenceContext) throws -> [Dim]? {
        ctx.dimsValue(0)
    }

    static func sliceValue(_ ctx: InferenceContext) throws -> [Dim]? {
        guard let data = ctx.dimsValue(0), (ctx.inputTypes[0]?.rank ?? 1) == 1 else { return nil }
        let arguments = try sliceArguments(ctx)
        let spec = try SliceSpec(arguments, shape: [data.count], node: ctx.node)
        guard let a = spec.axes.first else { return data }
        return (0..<a.count).map { data[a.start + $0 * a.step] }
    }
}
