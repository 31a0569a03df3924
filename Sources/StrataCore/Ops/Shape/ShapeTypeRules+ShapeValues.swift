/// Shape-value rules: what the shape ops compute when their inputs are (symbolic) shapes, so
/// that a Reshape fed by an exporter's Shape→Gather→Concat chain gets its shape without running.
/// Each returns nil when the value is not known.
extension ShapeTypeRules {
    /// Shape values are small by nature; larger integer tensors are left alone rather than
    /// turned into long `Dim` arrays.
    static let shapeValueLimit = 64

    /// Input `i`'s contents as dims when it is a small (≤ 1-D) shape value.
    static func smallDims(_ ctx: InferenceContext, _ i: Int) -> [Dim]? {
        if let t = ctx.constant(i), t.count > shapeValueLimit || t.rank > 1 { return nil }
        if i < ctx.inputTypes.count, let rank = ctx.inputTypes[i]?.rank, rank > 1 { return nil }
        guard let dims = ctx.dimsValue(i), dims.count <= shapeValueLimit else { return nil }
        return dims
    }

    static func shapeOfInput(_ ctx: InferenceContext) throws -> [Dim]? {
        guard let shape = ctx.inputTypes.first??.shape else { return nil }
        return Array(shape[try shapeRange(ctx.node, rank: shape.count)])
    }

    static func sizeOfInput(_ ctx: InferenceContext) throws -> [Dim]? {
        guard let shape = ctx.inputTypes.first??.shape else { return nil }
        return [ShapeAlgebra.product(shape)]
    }

    static func gatherValue(_ ctx: InferenceContext) throws -> [Dim]? {
        guard let data = smallDims(ctx, 0), ctx.inputCount > 1, let indexShape = ctx.inputTypes[1]?.shape,
              indexShape.count <= 1, let indices = smallDims(ctx, 1)?.concrete
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
            guard let v = smallDims(ctx, i) else { return nil }
            out += v
        }
        return out
    }

    /// Squeeze, Unsqueeze and Reshape keep a (≤ 1-D) shape value's contents.
    static func sameValue(_ ctx: InferenceContext) throws -> [Dim]? {
        smallDims(ctx, 0)
    }

    static func sliceValue(_ ctx: InferenceContext) throws -> [Dim]? {
        guard let data = smallDims(ctx, 0), (ctx.inputTypes[0]?.rank ?? 1) == 1 else { return nil }
        let arguments = try sliceArguments(ctx)
        let spec = try SliceSpec(arguments, shape: [data.count], node: ctx.node)
        guard let a = spec.axes.first else { return data }
        return (0..<a.count).map { data[a.start + $0 * a.step] }
    }
}
