/// Type rules of the index-addressed ops GatherND, ScatterND and ScatterElements.
extension ShapeTypeRules {
    /// GatherND's output shape, `indices.shape[:-1] ++ data.shape[batch_dims + k:]`, or nil when
    /// the shapes do not fit (k = `indices.shape[-1]`).
    public static func gatherNDShape(data: [Int], indices: [Int], batchDims b: Int) -> [Int]? {
        guard let dims = gatherNDDims(data: data.dims, indices: indices.dims, batchDims: b) else { return nil }
        return dims.concrete
    }

    static func gatherNDDims(data: [Dim], indices: [Dim], batchDims b: Int) -> [Dim]? {
        guard indices.count >= 1, b >= 0, b < Swift.min(indices.count, data.count),
              case .known(let k) = indices[indices.count - 1], k >= 0, b + k <= data.count
        else { return nil }
        for d in 0..<b {
            if case .known(let x) = data[d], case .known(let y) = indices[d], x != y { return nil }
        }
        return Array(indices.dropLast()) + Array(data[(b + k)...])
    }

    static func gatherND(_ ctx: InferenceContext) throws -> [ValueType] {
        let x = try ctx.type(0)
        let data = try ctx.shape(0), indices = try ctx.shape(1)
        let b = try ctx.node.typed(GatherNDAttributes.self).batchDims
        guard case .known = indices.last ?? .symbol("") else { throw InferenceContext.Unknown() }
        guard let out = gatherNDDims(data: data, indices: indices, batchDims: b) else {
            throw ctx.node.error("indices \(indices.shapeDescription) cannot index data \(data.shapeDescription) with batch_dims \(b)")
        }
        return [ValueType(x.dtype, out)]
    }

    /// ScatterND and ScatterElements: the output is `data` with some elements replaced.
    static func scatter(_ ctx: InferenceContext) throws -> [ValueType] {
        [try ctx.type(0)]
    }
}
